#include "stage_run.hpp"

#include <cback/actions/stage.hpp>
#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/thread_pool.hpp>
#include <cback/peer/transfer.hpp>

#include <cstdio>
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
      status.duration_ms = milliseconds(Clock::now() - start);
      return status;
    }
    log.debug("Found collect indicator.");
    peer::TransferSettings settings;
    settings.backend = plan.backend;
    settings.ownership = plan.outputs.ownership();
    settings.stop = &context.stop;
    settings.bandwidth_limit = plan.bandwidth_limit;
    settings.shared_limit = shared_limit;
    settings.progress = progress.for_peer(peer.name);
    peer::transfer_peer(*source, plan.daily_dir / peer.name, settings, log, result);
    source->write_stage_indicator();
    log.info("Staged {} files for peer [{}] ({} sent, {} already staged, {} resumed).",
             result.files, peer.name, core::display_bytes(static_cast<double>(result.sent)),
             result.files_skipped, result.files_resumed);
    status = peer::PeerStatus{
        peer.name, peer::PeerState::staged, result.files, result.bytes, result.sent, 0, ""};
  } catch (const Error& error) {
    if (error.code() == ExitCode::interrupted) {
      throw;
    }
    log.error("Error staging [{}]: {}", peer.name, error.what());
    status = peer::PeerStatus{
        peer.name,   peer::PeerState::failed, result.files, result.bytes, result.sent, 0,
        error.what()};
  } catch (const std::exception& error) {
    log.error("Error staging [{}]: {}", peer.name, error.what());
    status = peer::PeerStatus{
        peer.name,   peer::PeerState::failed, result.files, result.bytes, result.sent, 0,
        error.what()};
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

} // namespace

// Each worker thread takes the next peer in plan order. A peer's work is
// blocking (libssh, file writes) and independent of the others, so a
// thread per peer in flight is the simplest schedule that lets a slow or
// dead peer hold up only its own thread.
StageOutcome stage_all(Context& context, const StagePlan& plan) {
  StatusBook book(plan, context.log);
  Progress progress(context.progress, plan.progress);
  std::optional<peer::SharedLimit> shared_limit;
  if (plan.total_bandwidth_limit) {
    shared_limit.emplace(*plan.total_bandwidth_limit);
  }
  // An interruption (the one Error stage_one lets through) ends the run:
  // for_each_index rethrows it once every peer in flight has stopped.
  core::for_each_index(plan.peers.size(), plan.max_concurrent, [&](std::size_t i) {
    context.stop.check();
    auto status =
        stage_one(context, plan, plan.peers[i], progress, shared_limit ? &*shared_limit : nullptr);
    record_perf(context, status);
    book.record(i, std::move(status));
  });
  return {book.statuses(), book.error()};
}

} // namespace cback::actions::detail
