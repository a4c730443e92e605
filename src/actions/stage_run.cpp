#include "stage_run.hpp"

#include <cback/actions/stage.hpp>
#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/thread_pool.hpp>
#include <cback/peer/loop_transfer.hpp>
#include <cback/peer/sftp_connection.hpp>
#include <cback/peer/transfer.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace cback::actions::detail {

namespace {

using Clock = std::chrono::steady_clock;

// The status record, rewritten after each peer so that a run that dies
// half-way still says which peers are complete. The first write (no peer
// yet) replaces a record an earlier run of the day left: from then on the
// record on disk never claims more than this run finished. A write that
// fails is remembered until a later one succeeds; only the last one
// matters, since it is the only one that lists every peer.
class StatusBook {
public:
  StatusBook(const StagePlan& plan, core::Logger& log)
      : m_path(plan.daily_dir / peer::k_status_file_name), m_plan(plan), m_log(log),
        m_done(plan.peers.size()) {
    write();
    if (!m_error.empty()) {
      remove_stale();
    }
  }

  void record(std::size_t index, peer::PeerStatus status) {
    const std::lock_guard lock(m_mutex);
    m_done[index] = std::move(status);
    write();
  }

  std::vector<peer::PeerStatus> statuses() const {
    std::vector<peer::PeerStatus> all;
    for (const auto& done : m_done) {
      if (done) {
        all.push_back(*done);
      }
    }
    return all;
  }

  /// Why the last write failed; empty when the record on disk is current.
  [[nodiscard]] const std::string& error() const { return m_error; }

private:
  void write() {
    try {
      peer::write_status(m_path, {m_plan.date, statuses()});
      m_error.clear();
      m_plan.outputs.own(m_path, m_log);
    } catch (const Error& error) {
      m_error = error.what();
      m_log.error("Unable to write the stage status record: {}", m_error);
    }
  }

  // An earlier run's record must not outlive a run that cannot write its
  // own: store would take that run's outcomes for this one's.
  void remove_stale() {
    std::error_code error;
    std::filesystem::remove(m_path, error);
    if (error) {
      throw Error(ExitCode::action,
                  fmt::format("Unable to write the stage status record [{}] ({}) or to remove "
                              "the one an earlier run left: {}",
                              m_path.string(), m_error, error.message()));
    }
  }

  std::filesystem::path m_path;
  const StagePlan& m_plan;
  core::Logger& m_log;
  std::mutex m_mutex;
  std::vector<std::optional<peer::PeerStatus>> m_done;
  std::string m_error;
};

// A line per peer in flight on the run's progress board: the bytes the
// peer has sent so far and the file being staged.
class Progress {
public:
  Progress(core::ProgressBoard& board, bool enabled)
      : m_board(board), m_enabled(enabled && board.display() != core::ProgressDisplay::off) {}

  /// The peer's callback; its line ends with the callback (the peer done).
  peer::FileProgress for_peer(const std::string& name) {
    if (!m_enabled) {
      return {};
    }
    struct Peer {
      core::ProgressJob job;
      std::uint64_t sent = 0;     ///< bytes of every file so far
      std::uint64_t previous = 0; ///< of the current file
    };
    auto state = std::make_shared<Peer>(Peer{m_board.start(name)});
    return [state](const std::string& file, std::uint64_t done, std::uint64_t total) {
      state->sent += done >= state->previous ? done - state->previous : done;
      state->previous = done == total ? 0 : done;
      state->job.update(state->sent,
                        fmt::format("{} {} of {}", file, bytes_text(done), bytes_text(total)));
    };
  }

private:
  static std::string bytes_text(std::uint64_t bytes) {
    return core::display_bytes(static_cast<double>(bytes));
  }

  core::ProgressBoard& m_board;
  bool m_enabled;
};

std::uint64_t milliseconds(Clock::duration duration) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(duration).count());
}

peer::PeerStatus not_ready(Context& context, const StagePlan& plan, const config::Peer& peer) {
  peer::PeerStatus status;
  status.peer = peer.name;
  status.error = fmt::format("Peer [{}] was not ready to be staged.", peer.name);
  if (ignores_failure(peer.ignore_failures, plan.full_or_start_of_week)) {
    context.log.info("{}", status.error);
    status.state = peer::PeerState::skipped;
  } else {
    context.log.error("{}", status.error);
    status.state = peer::PeerState::not_ready;
  }
  return status;
}

peer::TransferSettings transfer_settings(Context& context, const StagePlan& plan,
                                         const config::Peer& peer, Progress& progress,
                                         peer::SharedLimit* shared_limit) {
  peer::TransferSettings settings;
  settings.backend = plan.backend;
  settings.ownership = plan.outputs.ownership();
  settings.stop = &context.stop;
  settings.bandwidth_limit = plan.bandwidth_limit;
  settings.shared_limit = shared_limit;
  settings.progress = progress.for_peer(peer.name);
  return settings;
}

peer::PeerStatus staged(core::Logger& log, const config::Peer& peer,
                        const peer::TransferResult& result) {
  log.info("Staged {} files for peer [{}] ({} sent, {} already staged, {} resumed).", result.files,
           peer.name, core::display_bytes(static_cast<double>(result.sent)), result.files_skipped,
           result.files_resumed);
  return {peer.name, peer::PeerState::staged, result.files, result.bytes, result.sent, 0, ""};
}

// The status of a peer whose stage threw `thrown`; an interruption is not
// the peer's failure and goes on up.
peer::PeerStatus failed(core::Logger& log, const config::Peer& peer,
                        const peer::TransferResult& result, const std::exception_ptr& thrown) {
  std::string what;
  try {
    std::rethrow_exception(thrown);
  } catch (const Error& error) {
    if (error.code() == ExitCode::interrupted) {
      throw;
    }
    what = error.what();
  } catch (const std::exception& error) {
    what = error.what();
  }
  log.error("Error staging [{}]: {}", peer.name, what);
  return {peer.name, peer::PeerState::failed, result.files, result.bytes, result.sent, 0, what};
}

// A peer on the calling thread, through the source plan.make_source gives.
peer::PeerStatus stage_one(Context& context, const StagePlan& plan, const config::Peer& peer,
                           Progress& progress, peer::SharedLimit* shared_limit) {
  auto& log = context.log;
  log.info("Staging peer [{}].", peer.name);
  const auto start = Clock::now();
  peer::PeerStatus status;
  peer::TransferResult result;
  try {
    const auto source = plan.make_source(context, peer);
    source->open();
    if (!source->collect_indicator_present()) {
      status = not_ready(context, plan, peer);
    } else {
      log.debug("Found collect indicator.");
      const auto settings = transfer_settings(context, plan, peer, progress, shared_limit);
      peer::transfer_peer(*source, plan.daily_dir / peer.name, settings, log, result);
      source->write_stage_indicator();
      status = staged(log, peer, result);
    }
  } catch (...) {
    status = failed(log, peer, result, std::current_exception());
  }
  status.duration_ms = milliseconds(Clock::now() - start);
  return status;
}

void record_perf(Context& context, const peer::PeerStatus& status) {
  core::PerfSample sample;
  sample.write = std::chrono::milliseconds(status.duration_ms);
  sample.bytes_in = status.sent;
  sample.bytes_out = status.sent;
  sample.files = status.files;
  context.perf.add("stage", status.peer, sample);
}

// The peers' memory on the event loop: each peer in flight has two
// buffers (one filling, one being written), of at most 1 MiB and at least
// 64 KiB, all of them together about this much.
constexpr std::size_t k_loop_buffer_memory = std::size_t{64} << 20;
// Threads that open, hash, write, sync and rename the loop's files.
constexpr unsigned k_file_workers = 4;
// Connections being set up at once on one loop: key exchanges are the
// costly part of a connection, and a burst of hundreds of them against
// the same server would be refused (sshd's MaxStartups).
constexpr unsigned k_handshakes_per_loop = 16;

// A count of handshakes in progress on one loop, with its waiters.
class HandshakeGate {
public:
  explicit HandshakeGate(asio::io_context& context) : m_wake(context) {}

  asio::awaitable<void> enter() {
    while (m_inside >= k_handshakes_per_loop) {
      m_wake.expires_at(asio::steady_timer::time_point::max());
      asio::error_code ignored;
      co_await m_wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    ++m_inside;
  }

  void leave() {
    --m_inside;
    m_wake.cancel_one();
  }

private:
  asio::steady_timer m_wake;
  unsigned m_inside = 0;
};

struct Loop {
  asio::io_context context{1};
  HandshakeGate gate{context};
};

// Runs the peers of a plan, max_concurrent at a time and in plan order.
// Lanes (coroutines) take the next peer as each finishes. A remote peer
// reached over SFTP (plan.remote_on_loop) is driven on the lane's event
// loop: its connection, transfer and limits are coroutines and timers, and
// its blocking file steps go to a few worker threads, so the threads do
// not grow with the peers. Any other peer (local, rcp_command, the unit
// tests' scripted ones) is staged by stage_one on a thread of its own
// while the lane waits, as it blocks.
class Schedule {
public:
  Schedule(Context& context, const StagePlan& plan, StatusBook& book, Progress& progress,
           peer::SharedLimit* shared_limit)
      : m_context(context), m_plan(plan), m_book(book), m_progress(progress),
        m_shared_limit(shared_limit), m_workers(k_file_workers) {
    const auto lanes = std::min<std::size_t>(plan.max_concurrent, plan.peers.size());
    std::size_t on_loop = 0;
    for (const auto& peer : plan.peers) {
      on_loop += runs_on_loop(peer) ? 1 : 0;
    }
    const auto on_threads = plan.peers.size() - on_loop;
    if (on_threads > 0) {
      m_blocking.emplace(static_cast<unsigned>(std::min(lanes, on_threads)));
    }
    const auto in_flight = std::max<std::size_t>(1, std::min(lanes, on_loop));
    m_buffer_size = std::clamp<std::size_t>(k_loop_buffer_memory / (2 * in_flight),
                                            std::size_t{64} << 10, std::size_t{1} << 20);
    // The SSH crypto runs on the loops: two use both cores of a small
    // machine; more would only contend with the servers and the workers.
    const auto loops = on_loop == 0 ? 1U : std::clamp(std::thread::hardware_concurrency(), 1U, 2U);
    for (unsigned i = 0; i < loops; ++i) {
      m_loops.push_back(std::make_unique<Loop>());
    }
    for (std::size_t lane = 0; lane < lanes; ++lane) {
      auto& loop = *m_loops[lane % m_loops.size()];
      asio::co_spawn(loop.context, run_lane(loop), asio::detached);
    }
  }

  /// Runs every lane to its end: the first loop on this thread, the others
  /// on threads of their own. Rethrows an interruption once every peer in
  /// flight has stopped.
  void run() {
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < m_loops.size(); ++i) {
      threads.emplace_back([this, i] { m_loops[i]->context.run(); });
    }
    m_loops.front()->context.run();
    for (auto& thread : threads) {
      thread.join();
    }
    if (m_failure) {
      std::rethrow_exception(m_failure);
    }
  }

private:
  [[nodiscard]] bool runs_on_loop(const config::Peer& peer) const {
    return m_plan.remote_on_loop && peer.type == config::PeerType::remote;
  }

  asio::awaitable<void> run_lane(Loop& loop) {
    try {
      for (;;) {
        m_context.stop.check();
        const auto index = m_next.fetch_add(1);
        if (index >= m_plan.peers.size()) {
          break;
        }
        const auto& peer = m_plan.peers[index];
        if (m_plan.starts != nullptr) {
          m_plan.starts->note(peer.name);
        }
        peer::PeerStatus status;
        if (runs_on_loop(peer)) {
          status = co_await stage_remote(loop, peer);
        } else {
          status = co_await peer::on_worker(*m_blocking, [this, &peer] {
            return stage_one(m_context, m_plan, peer, m_progress, m_shared_limit);
          });
        }
        co_await peer::on_worker(m_workers, [this, index, &status] {
          record_perf(m_context, status);
          m_book.record(index, std::move(status));
          return true;
        });
      }
    } catch (...) {
      // An interruption, or a failure outside any peer's (out of
      // memory): the lane ends, and run() rethrows the first.
      const std::lock_guard lock(m_mutex);
      if (!m_failure) {
        m_failure = std::current_exception();
      }
    }
  }

  asio::awaitable<peer::PeerStatus> stage_remote(Loop& loop, const config::Peer& peer) {
    auto& log = m_context.log;
    log.info("Staging peer [{}].", peer.name);
    const auto start = Clock::now();
    peer::PeerStatus status;
    peer::TransferResult result;
    try {
      const auto& collect_dir = peer.collect_dir;
      peer::SftpConnection connection(loop.context, stage_endpoint(m_context.config, peer),
                                      stage_sftp_settings(m_context));
      co_await loop.gate.enter();
      std::exception_ptr refused;
      try {
        co_await connection.open();
      } catch (...) {
        refused = std::current_exception();
      }
      loop.gate.leave();
      if (refused) {
        std::rethrow_exception(refused);
      }
      if (!co_await connection.stat(collect_dir + "/" + peer::k_collect_indicator)) {
        status = not_ready(m_context, m_plan, peer);
      } else {
        log.debug("Found collect indicator.");
        auto settings = transfer_settings(m_context, m_plan, peer, m_progress, m_shared_limit);
        settings.buffer_count = 2;
        settings.buffer_size = m_buffer_size;
        co_await peer::transfer_peer(connection, collect_dir, m_plan.daily_dir / peer.name,
                                     settings, m_workers, log, result);
        co_await connection.create_empty(collect_dir + "/" + peer::k_stage_indicator);
        status = staged(log, peer, result);
      }
    } catch (...) {
      status = failed(log, peer, result, std::current_exception());
    }
    status.duration_ms = milliseconds(Clock::now() - start);
    co_return status;
  }

  Context& m_context;
  const StagePlan& m_plan;
  StatusBook& m_book;
  Progress& m_progress;
  peer::SharedLimit* m_shared_limit;
  core::ThreadPool m_workers;
  std::optional<core::ThreadPool> m_blocking;
  std::size_t m_buffer_size = 0;
  std::vector<std::unique_ptr<Loop>> m_loops;
  std::atomic<std::size_t> m_next{0};
  std::mutex m_mutex;
  std::exception_ptr m_failure;
};

} // namespace

StageOutcome stage_all(Context& context, const StagePlan& plan) {
  StatusBook book(plan, context.log);
  Progress progress(context.progress, plan.progress);
  std::optional<peer::SharedLimit> shared_limit;
  if (plan.total_bandwidth_limit) {
    shared_limit.emplace(*plan.total_bandwidth_limit);
  }
  Schedule schedule(context, plan, book, progress, shared_limit ? &*shared_limit : nullptr);
  schedule.run();
  return {book.statuses(), book.error()};
}

} // namespace cback::actions::detail
