#pragma once

// Reading a tar archive of a source with libarchive, entry after entry,
// from any byte stream: the archive file itself (any compression: tar,
// gzip, bzip2, zstd), or the tar bytes a frame reader decompresses from the
// middle of a tarzst archive. Damage (a bad header, a truncated or corrupt
// compressed stream) is an error naming the archive.

#include <cback/collect/content_index.hpp>
#include <cback/restore/source.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <vector>

struct archive;
struct archive_entry;

namespace cback::restore {

/// Bytes read in order.
class ByteStream {
public:
  virtual ~ByteStream() = default;
  /// Fills up to out.size() bytes; 0 only at the end. Throws cback::Error.
  virtual std::size_t read(std::span<std::byte> out) = 0;
};

/// A SourceFile read from `offset` to its end, in large blocks.
std::unique_ptr<ByteStream> file_stream(SourceFile& file, std::uint64_t offset = 0);

class ArchiveReader {
public:
  /// Reads `stream`; `name` names the archive in errors ("2026/12/01/host1/etc.tar.gz").
  ArchiveReader(std::unique_ptr<ByteStream> stream, std::string name);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  /// The next entry's header, or nullptr at the end of the archive.
  archive_entry* next();
  /// The uncompressed offset of the current entry's first header, from the
  /// start of the stream.
  [[nodiscard]] std::uint64_t header_offset() const;
  /// The current entry's data, a block at a time: an empty span at its end.
  std::span<const std::byte> data();
  [[nodiscard]] const std::string& name() const noexcept { return m_name; }

  /// The entries of the archive as an index would list them (offsets from
  /// the start of the archive).
  std::vector<collect::IndexEntry> list();

private:
  [[noreturn]] void fail(int status);
  static long read_callback(archive*, void* self, const void** buffer);

  std::unique_ptr<ByteStream> m_stream;
  std::string m_name;
  std::unique_ptr<std::byte[]> m_buffer; ///< k_block bytes
  archive* m_archive = nullptr;
  std::exception_ptr m_stream_error;
};

/// The index entry of the header `entry`.
collect::IndexEntry index_entry_of(archive_entry* entry, std::uint64_t offset);

} // namespace cback::restore
