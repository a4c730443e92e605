#pragma once

// Where a restore reads staged days from: a tree laid out as the staging
// directory and the discs are, "YYYY/MM/DD/<peer>/<files>". The configured
// staging directory, a copy of it or a mounted disc are directory sources;
// a disc in a drive or an image file is read through libisofs without
// mounting. A source is read-only: nothing here writes to it.

#include <cback/media/md5.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cback::core {
class Logger;
}
namespace cback::s3 {
class Client;
struct Location;
} // namespace cback::s3

namespace cback::restore {

enum class SourceEntryKind { file, directory, other };

struct SourceEntry {
  std::string name; ///< one path component
  SourceEntryKind kind = SourceEntryKind::other;
  std::uint64_t size = 0; ///< files only
};

/// Random access to one file of a source.
class SourceFile {
public:
  virtual ~SourceFile() = default;
  virtual std::uint64_t size() const = 0;
  /// Reads up to out.size() bytes at offset; returns how many (0 only at or
  /// past the end). Throws cback::Error naming the file on an I/O error.
  virtual std::size_t read_at(std::uint64_t offset, std::span<std::byte> out) = 0;
};

class Source {
public:
  virtual ~Source() = default;
  /// For messages: "staging directory /var/backup/staging", "image /srv/disc.iso".
  virtual std::string describe() const = 0;
  /// The entries of a directory named relative to the source's root ("" is
  /// the root, "2026/12/01/host1"), sorted by name; empty when it is missing.
  /// Throws cback::Error when it exists but cannot be read.
  virtual std::vector<SourceEntry> list(std::string_view dir) const = 0;
  /// Opens a file named relative to the root. Throws cback::Error naming
  /// the source and the path when it is missing or not a regular file.
  virtual std::unique_ptr<SourceFile> open(std::string_view path) const = 0;
  /// Bytes read from the underlying file or device so far, all files together.
  virtual std::uint64_t bytes_read() const = 0;
  /// The MD5 recorded for a file when it was written: a disc or image the
  /// store wrote holds one per file. nullopt when the source keeps none
  /// (a directory) or has none for this file.
  virtual std::optional<media::Md5> recorded_md5(std::string_view /*path*/) const {
    return std::nullopt;
  }
};

/// A directory laid out as the staging directory (or a mounted disc). Never
/// follows a symbolic link inside it.
std::unique_ptr<Source> open_directory_source(const std::filesystem::path& root);

/// A disc image file ("stdio:PATH" or a plain path) or a disc in a drive
/// ("/dev/srN"), read through libisofs: the tree of its newest session,
/// which holds every day written to it.
std::unique_ptr<Source> open_image_source(std::string_view target);

/// What the amazons3 extension uploaded below `location`:
/// BUCKET[/PREFIX]/YYYY/MM/DD/<peer>/<file>, each directory listed when
/// asked (one level, ListObjectsV2 with a delimiter) and each file read
/// by ranged GETs of exactly the bytes asked for, through `client`. The
/// bucket is not trusted: a key whose name below its level could not be a
/// path component ("", ".", "..", or holding '/') is left out with a
/// warning on `log` naming it, so it never reaches a restore's paths; an
/// object that changes while it is read is an error naming it. An object
/// the extension stored encrypted (its size differs from the size of the
/// staged file it records) is refused when opened: a restore does not
/// decrypt. `log` must outlive the source and its files.
std::unique_ptr<Source> open_s3_source(std::unique_ptr<s3::Client> client, s3::Location location,
                                       core::Logger& log);

} // namespace cback::restore
