#pragma once

// Writes one collect archive: a pax tar stream (libarchive, pax_restricted)
// of a list of walker entries, compressed with zstd (tarzst: independent
// 1 MiB frames compressed on worker threads), gzip (targz), bzip2 (tarbz2)
// or not at all (tar). File contents are read
// through the io backend (many small files in flight, large files streamed)
// and the encoded bytes are written through it to TARGET.partial, which is
// fsynced and renamed to TARGET only when the archive is complete. The
// SHA-256 of the archive bytes is computed while they are written, for the
// collect manifest, and so is what its content index lists (each entry's
// header offset, each frame's start).

#include <cback/collect/content_index.hpp>
#include <cback/collect/problem.hpp>
#include <cback/collect/walker.hpp>
#include <cback/config/model.hpp>
#include <cback/core/digest.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

namespace cback::core {
class StopFlag;
}
namespace cback::io {
class Backend;
}

namespace cback::collect {

struct ArchiveOptions {
  config::ArchiveMode mode = config::ArchiveMode::tarzst;
  int zstd_level = 3;        ///< tarzst
  unsigned zstd_threads = 0; ///< tarzst compression workers; 0: one per core
  int gzip_level = 6;        ///< targz (the original used 9: much slower, barely smaller)
  int bzip2_level = 9;       ///< tarbz2
  unsigned read_depth = 16;  ///< file reads in flight
  /// Store extended attributes and POSIX ACLs (pax SCHILY.xattr / ACL
  /// records), read through each open file: two or three more system calls
  /// per file and directory.
  bool xattrs_and_acls = true;
};

/// Progress of one archive, reported from the writing thread now and then.
struct ArchiveProgress {
  std::uint64_t entries_done = 0;
  std::uint64_t entries_total = 0;
  std::uint64_t input_bytes = 0;  ///< file bytes read so far
  std::uint64_t output_bytes = 0; ///< archive bytes written so far
};
using ProgressCallback = std::function<void(const ArchiveProgress&)>;

struct ArchiveResult {
  std::filesystem::path path;     ///< the committed archive
  std::uint64_t size = 0;         ///< bytes of the archive file
  core::Digest sha256{};          ///< of the archive file's bytes
  std::uint64_t entries = 0;      ///< entries stored
  std::uint64_t input_bytes = 0;  ///< file content bytes stored
  std::vector<Problem> problems;  ///< entries skipped or stored incomplete (unreadable,
                                  ///< vanished, changed while read); the archive is still valid
  std::vector<IndexEntry> index;  ///< every entry stored, for the content index
  std::vector<IndexFrame> frames; ///< tarzst: where each independent zstd frame starts
};

/// Writes one archive entry by entry: the streaming form of write_archive.
/// Memory stays bounded whatever the number of entries (a read-ahead window
/// of at most ContentReader's limits). Used by one thread: the one that made
/// it. Destroying it before commit() abandons the archive: neither TARGET
/// nor TARGET.partial is left.
class ArchiveStream {
public:
  /// Creates TARGET.partial. Throws Error(action) naming it when it cannot.
  ArchiveStream(const std::filesystem::path& target, const ArchiveOptions& options,
                io::Backend& backend, const core::StopFlag& stop, ProgressCallback progress = {});
  ~ArchiveStream();
  ArchiveStream(const ArchiveStream&) = delete;
  ArchiveStream& operator=(const ArchiveStream&) = delete;

  /// Adds the next entry. Entries are stored in the order added; a file's
  /// content is read ahead, so it is stored some entries later. Throws as
  /// write_archive does.
  void add(Entry entry);
  /// Stores what is left, ends the stream, fsyncs and renames TARGET.partial
  /// to TARGET. Throws as write_archive does (nothing left behind).
  ArchiveResult commit();

private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Writes `entries` (in order; directories, symlinks, hard links to an
/// earlier entry with the same dev/ino, regular files with mode, owner
/// names and ids, mtime, and xattrs/ACLs where present) to `target`.
/// Throws cback::Error(ExitCode::action) naming the target when the archive
/// cannot be written (no space, I/O error); then no TARGET exists and no
/// TARGET.partial is left behind. Throws Error(ExitCode::interrupted) when
/// `stop` is requested, likewise leaving nothing behind.
ArchiveResult write_archive(const std::vector<Entry>& entries, const std::filesystem::path& target,
                            const ArchiveOptions& options, io::Backend& backend,
                            const core::StopFlag& stop, const ProgressCallback& progress = {});

} // namespace cback::collect
