#pragma once

// The output half of the archive writer (src/collect/archive.cpp): a
// libarchive pax encoder whose compressed bytes go, hashed on the way, to
// the io layer's FileWriter. Private to the collect archive writer.

#include <cback/collect/archive.hpp>

#include "zstd_frames.hpp"

#include <cback/core/buffer_pool.hpp>
#include <cback/core/digest.hpp>
#include <cback/io/file_writer.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct archive;
struct archive_entry;

namespace cback::collect::detail {

/// Where the encoded archive goes: copies libarchive's blocks into pool
/// buffers, hashes them and hands them to a FileWriter (write-behind).
/// Memory: a fixed pool of write_behind + 2 buffers.
class ArchiveSink {
public:
  /// `fd` is the open TARGET.partial (the caller's); `path` names it in errors.
  /// Throws Error(action) when no writer can be made.
  ArchiveSink(io::Backend& backend, int fd, std::filesystem::path path);
  ~ArchiveSink();
  ArchiveSink(const ArchiveSink&) = delete;
  ArchiveSink& operator=(const ArchiveSink&) = delete;

  /// Appends bytes; false once a write failed (error() says why). Never
  /// throws: it runs inside a libarchive callback.
  bool append(std::span<const std::byte> bytes) noexcept;
  /// Writes the last partial buffer and waits for every write. Throws
  /// Error(action) on a write error.
  void finish();
  /// From now on append() drops what it is given (and succeeds): the
  /// archive is being abandoned.
  void discard() noexcept { m_discard = true; }

  [[nodiscard]] const std::optional<std::string>& error() const noexcept { return m_error; }
  [[nodiscard]] std::uint64_t size() const noexcept { return m_size; }
  /// The SHA-256 of everything appended; call once, after finish().
  core::Digest digest() { return m_sha.finish(); }

private:
  bool push_current() noexcept;

  static constexpr unsigned k_write_behind = 4;
  core::BufferPool m_pool;              ///< declared first: outlives the writer and m_current
  std::unique_ptr<io::Engine> m_engine; ///< outlives the writer
  std::optional<io::FileWriter> m_writer;
  core::Buffer m_current; ///< being filled
  core::Sha256 m_sha;
  std::uint64_t m_size = 0;
  std::optional<std::string> m_error;
  bool m_discard = false;
};

/// A libarchive writer of pax_restricted tar with the options' compression,
/// writing into an ArchiveSink. Every failure throws Error(action) naming
/// `target`. Destroying it before close() abandons the archive without
/// writing a trailer.
class TarEncoder {
public:
  TarEncoder(const ArchiveOptions& options, ArchiveSink& sink, std::filesystem::path target);
  ~TarEncoder();
  TarEncoder(const TarEncoder&) = delete;
  TarEncoder& operator=(const TarEncoder&) = delete;

  /// Writes an entry header. Returns false (with the reason in `why`) when
  /// libarchive refused this one entry but the archive can go on. On
  /// success `offset` is where the entry's first header (its pax extended
  /// header when it has one) starts in the uncompressed tar stream.
  bool header(archive_entry* entry, std::string& why, std::uint64_t& offset);
  /// Writes entry data (never more than the header's size).
  void data(std::span<const std::byte> bytes);
  /// Writes `count` zero bytes of entry data.
  void zeros(std::uint64_t count);
  /// Ends the archive (trailer, compressor flush) into the sink.
  void close();
  /// Takes what libarchive has encoded (its write callback): into the
  /// frame writer for tarzst, else into the sink. False when that failed,
  /// with the reason in `why`.
  bool emit(std::span<const std::byte> bytes, std::string& why) noexcept;
  /// tarzst, after close(): where each independent zstd frame of the
  /// archive starts. Empty for the other modes.
  [[nodiscard]] std::vector<IndexFrame> frames() const;

private:
  [[noreturn]] void fail(const std::string& what);
  void set_option(const char* module, const char* name, const std::string& value);

  struct archive* m_archive = nullptr;
  ArchiveSink* m_sink;
  std::filesystem::path m_target;
  /// tarzst: compresses what libarchive writes, into the sink.
  std::unique_ptr<ZstdFrameWriter> m_frames;
  bool m_closed = false;
};

} // namespace cback::collect::detail
