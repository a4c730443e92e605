#include <cback/peer/loop_transfer.hpp>

#include "file_stager.hpp"

#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>

#include <asio/steady_timer.hpp>

#include <algorithm>
#include <cstring>

namespace cback::peer {

namespace {

using Seconds = core::Pacer::Seconds;

// How long a paced peer sleeps at most before it looks at the stop flag.
constexpr Seconds k_pace_slice{0.1};

bool stopped(const TransferSettings& settings) {
  return settings.stop != nullptr && settings.stop->requested();
}

// Waits as the peer's and the run's bandwidth limits say after `bytes`
// more came, on a timer of the loop.
asio::awaitable<void> pace(detail::FileStager& stager, const TransferSettings& settings,
                           std::int64_t bytes) {
  auto wait = stager.pace_delay(bytes);
  if (settings.shared_limit != nullptr) {
    const auto& clock = core::Clock::steady();
    wait = std::max<Seconds>(wait, settings.shared_limit->reserve(bytes) - clock.now());
  }
  if (wait <= Seconds{0}) {
    co_return;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (wait > Seconds{0} && !stopped(settings)) {
    const auto slice = std::min(wait, k_pace_slice);
    timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(slice));
    co_await timer.async_wait(asio::use_awaitable);
    wait -= slice;
  }
}

// Receives one file: the connection's bytes are copied into the peer's
// buffers, and each full buffer is hashed and written on a worker while
// the loop serves the other peers.
class Receiver {
public:
  Receiver(detail::FileStager& stager, detail::IncomingFile& file, const TransferSettings& settings,
           core::ThreadPool& workers, TransferResult& result)
      : m_stager(stager), m_file(file), m_settings(settings), m_workers(workers), m_result(result) {
  }

  asio::awaitable<bool> take(std::span<const std::byte> bytes) {
    while (!bytes.empty()) {
      if (!m_buffer) {
        m_buffer = co_await next_buffer();
      }
      const auto room = m_buffer.capacity() - m_buffer.size();
      const auto count = std::min(room, bytes.size());
      std::memcpy(m_buffer.data() + m_buffer.size(), bytes.data(), count);
      m_buffer.resize(m_buffer.size() + count);
      bytes = bytes.subspan(count);
      if (m_buffer.size() == m_buffer.capacity() && !co_await hand_over()) {
        co_return false;
      }
    }
    co_return !stopped(m_settings);
  }

  /// Writes what the last buffer holds.
  asio::awaitable<bool> flush() {
    if (!m_buffer || m_buffer.size() == 0) {
      co_return true;
    }
    co_return co_await hand_over();
  }

private:
  asio::awaitable<core::Buffer> next_buffer() {
    auto& pool = m_stager.pool();
    if (auto free = pool.try_acquire()) {
      co_return std::move(*free);
    }
    // Every buffer still in the writer: one comes back when its write ends.
    co_return co_await on_worker(m_workers, [&pool] { return std::move(*pool.acquire()); });
  }

  asio::awaitable<bool> hand_over() {
    const auto size = static_cast<std::int64_t>(m_buffer.size());
    const bool taken = co_await on_worker(
        m_workers, [this] { return m_stager.take(m_file, std::move(m_buffer), m_result); });
    if (!taken) {
      co_return false;
    }
    if (m_settings.progress) {
      m_settings.progress(m_file.entry.name, m_file.done, m_file.entry.size);
    }
    co_await pace(m_stager, m_settings, size);
    co_return true;
  }

  detail::FileStager& m_stager;
  detail::IncomingFile& m_file;
  const TransferSettings& m_settings;
  core::ThreadPool& m_workers;
  TransferResult& m_result;
  core::Buffer m_buffer;
};

} // namespace

namespace {

// Stages `entries` (checked) with the manifest's `digests`.
asio::awaitable<void>
stage_entries(SftpConnection& connection, const std::string& collect_dir, const std::string& peer,
              const std::vector<SourceEntry>& entries, const detail::Digests& digests,
              const std::filesystem::path& target_dir, const TransferSettings& settings,
              core::ThreadPool& workers, core::Logger& log, TransferResult& result) {
  detail::FileStager stager(peer, target_dir, settings, log);
  for (const auto& entry : entries) {
    if (settings.stop != nullptr) {
      settings.stop->check();
    }
    const auto found = digests.find(entry.name);
    const auto* archive = found == digests.end() ? nullptr : &found->second;
    auto file = co_await on_worker(workers, [&] { return stager.begin(entry, archive, result); });
    if (!file) {
      continue;
    }
    Receiver receiver(stager, *file, settings, workers, result);
    bool finished = co_await connection.read(
        collect_dir + "/" + entry.name, file->offset, entry.size,
        [&receiver](std::span<const std::byte> bytes) { return receiver.take(bytes); });
    finished = finished && co_await receiver.flush();
    co_await on_worker(workers, [&] {
      stager.finish(*file, finished, result);
      return true;
    });
  }
  co_await on_worker(workers, [&] {
    stager.sync_dir();
    return true;
  });
}

} // namespace

asio::awaitable<void> transfer_peer(SftpConnection& connection, std::string collect_dir,
                                    std::filesystem::path target_dir,
                                    const TransferSettings& settings, core::ThreadPool& workers,
                                    core::Logger& log, TransferResult& result) {
  const auto peer = describe_peer(connection.endpoint(), collect_dir);
  const auto digests =
      detail::parse_digests(co_await connection.read_small(
                                collect_dir + "/" + std::string(collect::k_manifest_file_name)),
                            peer);
  const auto entries =
      detail::select_entries(co_await connection.list(collect_dir), digests, peer, log);
  co_await stage_entries(connection, collect_dir, peer, entries, digests, target_dir, settings,
                         workers, log, result);
}

asio::awaitable<void> transfer_files(SftpConnection& connection, std::string collect_dir,
                                     std::vector<SourceEntry> entries,
                                     std::filesystem::path target_dir,
                                     const TransferSettings& settings, core::ThreadPool& workers,
                                     core::Logger& log, TransferResult& result) {
  co_await stage_entries(connection, collect_dir, describe_peer(connection.endpoint(), collect_dir),
                         entries, {}, target_dir, settings, workers, log, result);
}

} // namespace cback::peer
