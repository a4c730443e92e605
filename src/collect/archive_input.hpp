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
#include <string>
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

/// Opens and reads ahead, in entry order, the regular files of `entries`
/// that the encoder will need: each (dev, ino) with several names only once.
/// Memory is bounded: at most k_window_files files open and k_window_bytes
/// of small-file buffers, whatever the size of the list.
class ContentReader {
public:
  static constexpr std::size_t k_small_file = std::size_t{512} << 10;
  static constexpr std::size_t k_window_files = 256;
  static constexpr std::size_t k_window_bytes = std::size_t{32} << 20;

  /// Throws Error(action) when no reader can be made.
  ContentReader(const std::vector<Entry>& entries, io::Backend& backend, unsigned read_depth);
  ~ContentReader();
  ContentReader(const ContentReader&) = delete;
  ContentReader& operator=(const ContentReader&) = delete;

  /// True when entries[index] is a regular file this reader opens (false
  /// for later names of a hard-linked file).
  [[nodiscard]] bool planned(std::size_t index) const;
  /// The file of entries[index], opened and (when small) read. Contract:
  /// planned(index), and called for planned indexes in increasing order.
  OpenedFile take(std::size_t index);

private:
  void fill();
  void prepare(std::size_t position);

  const std::vector<Entry>* m_entries;
  std::vector<std::size_t> m_plan; ///< entry indexes to open, in order
  std::vector<bool> m_planned;     ///< by entry index
  std::deque<OpenedFile> m_window; ///< m_plan[m_front ...], opened
  std::size_t m_front = 0;         ///< plan position of m_window.front()
  std::size_t m_window_bytes = 0;
  std::optional<io::BatchReader> m_batch; ///< after m_window: destroyed first
};

} // namespace cback::collect::detail
