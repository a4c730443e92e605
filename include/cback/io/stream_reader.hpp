#pragma once

#include <cback/core/buffer_pool.hpp>
#include <cback/io/backend.hpp>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>

namespace cback::io {

/// Reads one (large) file from offset 0 to its end in chunks of the pool's
/// buffer size, keeping up to engine.depth() chunk reads in flight ahead of
/// the consumer (read-ahead). Chunks come back in file order. Used by one
/// thread.
///
/// Buffers: read-ahead only takes buffers the pool has free right now, and
/// waits for one only when no read is in flight, so a consumer holding
/// buffers slows the reader instead of deadlocking it.
class StreamReader {
public:
  /// `engine` is the caller's: one Engine serves one file after another
  /// (a worker makes it once), and nothing is left in flight on it when
  /// the reader ends. `fd` is the caller's (left open); `path` names it in
  /// errors. `size`, when given, is where the caller stops: no read goes
  /// past it, so a file that grew since is read up to `size` only, and a
  /// file of that size ends without a read that finds nothing.
  StreamReader(Engine& engine, int fd, std::filesystem::path path, core::BufferPool& pool,
               std::optional<std::uint64_t> size = std::nullopt);
  /// Waits for the reads in flight.
  ~StreamReader();
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  /// The next chunk (a buffer whose size() bytes hold data), or empty at end
  /// of file. After an error, or once the pool is closed (ECANCELED), every
  /// later call returns that error again.
  Result<std::optional<core::Buffer>> next();
  /// Bytes handed out by next() so far.
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return m_bytes_read; }

private:
  struct Chunk {
    core::Buffer buffer;
    std::uint64_t offset = 0;
    bool done = false;
    std::int64_t result = 0;
  };

  bool fill_read_ahead();
  void drain();

  Engine* m_engine;
  int m_fd;
  std::filesystem::path m_path;
  core::BufferPool* m_pool;
  std::deque<Chunk> m_chunks;      ///< in file order; front is next to hand out
  std::uint64_t m_front_token = 0; ///< token of m_chunks.front(); tokens count up
  std::uint64_t m_next_offset = 0; ///< offset of the next chunk to start
  std::uint64_t m_limit;           ///< no read goes past it (the caller's size)
  std::uint64_t m_bytes_read = 0;
  bool m_end_seen = false; ///< a chunk ended short: start no more reads
  bool m_finished = false;
  std::optional<IoError> m_error;
};

} // namespace cback::io
