#pragma once

// The tree of the newest session of a disc image file or a disc in a
// drive, for reading what the store wrote without mounting it. The file or
// device is opened O_RDONLY and handed to libburn as a read-only
// pseudo-drive ("stdio:/dev/fd/N", Grab::read_only); the tree is loaded as
// the store loads it before appending (load_image). Nothing here writes.
//
// A file's content is not read through libisofs: its extents (where its
// bytes lie in the image) are handed out, and the caller reads them from
// fd() with pread, so that reading part of one file reads only that part.
// Its entries are a restore source's (src/restore/image_source.cpp).

#include <cback/media/md5.hpp>
#include <cback/restore/source.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cback::core {
class Logger;
}

namespace cback::media {

/// A run of a file's bytes in the image.
struct Extent {
  std::uint64_t offset = 0; ///< byte offset in the image
  std::uint64_t length = 0;
};

struct TreeFile {
  std::uint64_t size = 0;
  std::vector<Extent> extents; ///< in file order; their lengths add up to size
};

class ImageTree {
public:
  /// Opens `path`, an image file or a disc device, read-only and loads the
  /// tree of its newest session. Throws cback::Error(action) naming `path`
  /// when it cannot be opened, holds no ISO image, or its tree cannot be
  /// read (a truncated or damaged image).
  static std::unique_ptr<ImageTree> open(const std::filesystem::path& path, core::Logger& log);

  ~ImageTree();
  ImageTree(const ImageTree&) = delete;
  ImageTree& operator=(const ImageTree&) = delete;

  /// The path the tree was opened from, for messages.
  [[nodiscard]] const std::string& name() const noexcept;
  /// The read-only descriptor of the image, valid while this object lives.
  [[nodiscard]] int fd() const noexcept;

  /// The entries of directory `dir` ("" is the root, "2026/12/01/host1"),
  /// sorted by name; nullopt when it is missing or not a directory.
  /// Throws cback::Error when `dir` has an empty, "." or ".." component.
  [[nodiscard]] std::optional<std::vector<restore::SourceEntry>> list(const std::string& dir) const;

  /// The regular file at `path`. Throws cback::Error naming the image and
  /// the path when it is missing, not a regular file, or not stored as
  /// plain extents of the image.
  [[nodiscard]] TreeFile file(const std::string& path) const;

  /// The MD5 the store recorded for the regular file at `path` when it
  /// wrote it (session.cpp: one per file); nullopt for a file without one
  /// (an image written by another program) or that is not there.
  [[nodiscard]] std::optional<Md5> recorded_md5(const std::string& path) const;

private:
  struct Impl;
  explicit ImageTree(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace cback::media
