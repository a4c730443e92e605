#pragma once

#include <cback/io/backend.hpp>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace cback::io {

/// One whole-file read: the file's content goes to the start of `buffer`.
struct ReadRequest {
  /// The file's name in errors.
  std::filesystem::path path;
  /// The file, opened by the caller (who checked what it is), read from
  /// offset 0 and left open.
  int fd = -1;
  /// Where the content goes; must stay valid until the result is returned.
  std::span<std::byte> buffer;
  /// The caller's id for the request, returned in the result.
  std::uint64_t tag = 0;
};

struct ReadResult {
  ReadRequest request;
  /// Bytes read into request.buffer. Less than buffer.size() means the file
  /// ended there; equal means the buffer is full and the file may go on (the
  /// caller compares with the size it got from stat).
  std::size_t length = 0;
  std::optional<IoError> error; ///< set when this file could not be read

  [[nodiscard]] bool ok() const noexcept { return !error; }
  [[nodiscard]] std::span<const std::byte> data() const noexcept {
    return request.buffer.first(length);
  }
};

/// Reads many small files with up to engine->depth() in flight; results come
/// back as they finish, in any order. One file's failure is reported in its
/// result only. Used by one thread.
///
/// One read per file: a read returning less than asked ends the file. Linux
/// gives short reads of regular files only at end of file, and a second read
/// to see 0 would double the operations per small file.
class BatchReader {
public:
  explicit BatchReader(std::unique_ptr<Engine> engine);
  /// Opens an Engine of `depth` on `backend`.
  static Result<BatchReader> open(Backend& backend, unsigned depth);
  /// Waits for the reads in flight (their results are dropped).
  ~BatchReader();
  BatchReader(BatchReader&&) noexcept = default;
  BatchReader& operator=(BatchReader&&) noexcept = delete;

  /// Queues a read; never waits. It starts as soon as fewer than depth()
  /// reads are in flight.
  void submit(ReadRequest request);
  /// The next finished read, waiting for one; empty when nothing is queued
  /// or in flight.
  std::optional<ReadResult> next();
  /// Reads queued or in flight whose result was not yet returned.
  [[nodiscard]] std::size_t pending() const noexcept;

private:
  struct Slot {
    ReadRequest request;
  };

  void start_queued();
  void start(std::size_t index, ReadRequest request);
  ReadResult complete(const Completion& completion);
  ReadResult finish(Slot& slot, std::size_t length, std::optional<IoError> error);

  std::unique_ptr<Engine> m_engine;
  std::vector<Slot> m_slots;
  std::vector<std::size_t> m_free_slots;
  std::deque<ReadRequest> m_queued;
};

} // namespace cback::io
