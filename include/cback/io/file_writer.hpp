#pragma once

#include <cback/core/buffer_pool.hpp>
#include <cback/io/backend.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

namespace cback::io {

/// Writes buffers one after the other to an open file (from `start_offset`
/// on), keeping up to engine.depth() writes in flight (write-behind). Short
/// writes are continued; the first error sticks and is returned by every
/// later call. Used by one thread. Creating NAME.partial and renaming it are
/// the caller's business.
///
/// Buffers go back to their pool when the writer sees their write finish,
/// which happens inside write(), flush() and sync() only: it may hold up to
/// depth() written buffers between calls. So a thread about to wait for
/// something else (an empty queue, the same pool) calls flush() first, or the
/// pool must have more buffers than the write-behind plus what others hold.
class FileWriter {
public:
  /// `engine` is the caller's: one Engine serves one file after another
  /// (a worker makes it once), and nothing is left in flight on it when
  /// the writer ends. `fd` is the caller's (left open); `path` names it in
  /// errors.
  FileWriter(Engine& engine, int fd, std::filesystem::path path, std::uint64_t start_offset = 0);
  /// Waits for the writes in flight; their errors are lost: call sync().
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  /// Appends buffer.bytes(). Returns once the write is started, waiting for
  /// an earlier one only when depth() are in flight; the buffer goes back to
  /// its pool when written. Reports an error of any earlier write.
  Result<void> write(core::Buffer buffer);
  /// Waits for every write, then fdatasync()s the file.
  Result<void> sync();
  /// Waits for every write (no fdatasync).
  Result<void> flush();
  /// From now on, each time `step` more bytes have been written, starts
  /// the disk's writing of them (Engine::start_writeback) without waiting
  /// for it, so that sync() finds little left: the disk then works while
  /// the data still arrives. 0 (the default) never does. The write-back
  /// takes a place among the depth() operations in flight; its failure is
  /// ignored (sync() reports what matters).
  void write_back_every(std::uint64_t step) noexcept { m_writeback_step = step; }
  /// Bytes appended by write() so far (started, not necessarily on disk).
  [[nodiscard]] std::uint64_t bytes_queued() const noexcept { return m_next_offset; }

private:
  struct Slot {
    core::Buffer buffer;
    std::uint64_t offset = 0; ///< file offset of buffer.data()
    std::size_t written = 0;
  };

  void wait_one();
  void wait_for_room();
  void handle(const Completion& completion);
  void start(std::size_t index);
  void start_write_back();

  Engine* m_engine;
  int m_fd;
  std::filesystem::path m_path;
  std::vector<Slot> m_slots;
  std::vector<std::size_t> m_free_slots;
  std::uint64_t m_next_offset;
  std::uint64_t m_writeback_step = 0;
  std::uint64_t m_writeback_from; ///< where the next write-back starts
  std::uint64_t m_written_to;     ///< end of the last write that completed
  std::optional<IoError> m_error;
};

} // namespace cback::io
