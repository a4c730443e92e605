#pragma once

// The input half of the archive writer (src/collect/archive.cpp): opens the
// regular files of an entry list ahead of the encoder and reads the small
// ones whole with many reads in flight (io::BatchReader), so that reading
// overlaps with encoding. Large files are only opened here; the encoder
// streams them (io::StreamReader). Private to the collect archive writer.

#include <cback/collect/archive.hpp>
#include <cback/collect/walker.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/io/batch_reader.hpp>

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cback::collect::detail {

/// One regular file, opened for the encoder.
struct OpenedFile {
  core::UniqueFd fd;
  struct ::stat st {}; ///< fstat of fd, when it opened
  /// Set when the file could not be opened (vanished, not a regular file any
  /// more): the entry is skipped with this message.
  std::optional<std::string> failure;
  /// Small files: their content, read into `buffer` (st_size + 1 bytes, so
  /// that growth shows). Empty for large files: stream them from fd.
  std::unique_ptr<std::byte[]> buffer;
  std::size_t buffer_size = 0;
  std::optional<io::ReadResult> read;

  [[nodiscard]] bool whole() const noexcept { return buffer_size > 0; }
};

/// Opens `path` (never following a final symlink) and fstats it.
OpenedFile open_regular(const std::string& path);

/// An entry waiting in the read-ahead window.
struct WindowEntry {
  Entry entry;
  /// Set for the regular files the reader opened: every regular file except
  /// later names of a (dev, ino) already seen.
  std::optional<OpenedFile> file;
};

/// A window of entries about to be encoded: the regular files among them
/// are opened when they enter it and the small ones read whole with many
/// reads in flight, so that reading overlaps with encoding. Memory is
/// bounded: at most k_window_entries entries, k_window_files open files and
/// k_window_bytes of small-file buffers (one file may pass that last limit
/// by itself).
class ContentReader {
public:
  static constexpr std::size_t k_small_file = std::size_t{512} << 10;
  static constexpr std::size_t k_window_entries = 4096;
  static constexpr std::size_t k_window_files = 256;
  static constexpr std::size_t k_window_bytes = std::size_t{32} << 20;

  /// Throws Error(action) when no reader can be made.
  ContentReader(io::Backend& backend, unsigned read_depth);
  ~ContentReader();
  ContentReader(const ContentReader&) = delete;
  ContentReader& operator=(const ContentReader&) = delete;

  /// Puts `entry` at the back of the window, opening (and, when small,
  /// starting to read) its file.
  void push(Entry entry);
  /// True when a limit is reached: pop() before the next push().
  [[nodiscard]] bool full() const noexcept;
  [[nodiscard]] bool empty() const noexcept { return m_window.empty(); }
  /// Takes the front entry, waiting for its file's read to finish.
  /// Contract: !empty().
  WindowEntry pop();

private:
  std::deque<WindowEntry> m_window;
  std::uint64_t m_front_sequence = 0; ///< number of entries popped so far
  std::size_t m_window_files = 0;
  std::size_t m_window_bytes = 0;
  /// (dev, ino) of the files with several names opened so far.
  std::set<std::pair<std::uint64_t, std::uint64_t>> m_multi_named;
  std::optional<io::BatchReader> m_batch; ///< after m_window: destroyed first
};

} // namespace cback::collect::detail
