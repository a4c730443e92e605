#pragma once

// Writing restored entries beneath one directory, and never anywhere else:
// whatever the archive or the directory holds, every name is resolved one
// component at a time beneath the directory's fd without following a link
// (core::open_beneath), a member named with ".." or an absolute path is
// refused by name, and a file is written to a new temporary name
// (O_CREAT|O_EXCL|O_NOFOLLOW) beside its place and renamed there — onto an
// existing name only when overwriting was asked for. Symbolic links in the
// archive are written as links (an absolute target too) and never
// followed. Modes, owners (by name when running as root and the name
// exists here, as GNU tar does, else by number), times, extended
// attributes and hard links are restored; a directory's mode and times are
// set at the end, once nothing more is written into it.

#include <cback/core/unique_fd.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/types.h>

struct archive_entry;

namespace cback::restore {

class ArchiveReader;
class ByteStream;

enum class Overwrite { no, yes };

class TreeWriter {
public:
  /// Opens `dir`, making it first when it is missing. Throws cback::Error.
  TreeWriter(const std::filesystem::path& dir, Overwrite overwrite);

  /// Why a member name cannot be written beneath the directory (empty,
  /// absolute, with a ".." component or a NUL); nothing when it can.
  static std::optional<std::string> refusal(std::string_view member);

  /// Whether something is at `member` now (a link is not followed; a
  /// member below a link or a file counts as taken).
  [[nodiscard]] bool taken(std::string_view member);

  /// Writes the entry the reader is at under the name `member` (its data is
  /// read from the reader). Returns false for a hard link whose target
  /// was not written by this writer: the caller gives its data with
  /// write_file_as(). Throws cback::Error naming the member when it cannot.
  bool write(ArchiveReader& reader, archive_entry* entry, const std::string& member);
  /// Writes the regular file the reader is at under the name `member`.
  void write_file_as(ArchiveReader& reader, archive_entry* entry, const std::string& member);

  /// Writes the bytes of `data` as a new file `member`, mode 0600 (an
  /// extension's output may hold secrets), owned by who runs the restore.
  void copy_file(ByteStream& data, const std::string& member);

  /// Sets the directories' modes, owners and times. Throws cback::Error
  /// naming the first that fails.
  void finish();

  [[nodiscard]] std::uint64_t bytes() const noexcept { return m_bytes; }
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return m_dir; }

private:
  struct Metadata {
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    struct timespec mtime {};
    /// A directory's extended attributes as archived (name, value), set
    /// with its mode and times when the restore finishes.
    std::vector<std::pair<std::string, std::string>> xattrs;
  };

  core::UniqueFd parent_of(std::string_view member, bool make);
  void write_file(ArchiveReader& reader, archive_entry* entry, int parent, const std::string& name,
                  const std::string& member);
  void write_directory(archive_entry* entry, int parent, const std::string& name,
                       const std::string& member);
  void write_symlink(archive_entry* entry, int parent, const std::string& name,
                     const std::string& member);
  bool write_hardlink(archive_entry* entry, int parent, const std::string& name,
                      const std::string& member);
  void commit(int parent, const std::string& temp, const std::string& name,
              const std::string& member);
  Metadata metadata_of(archive_entry* entry);
  uid_t uid_of(archive_entry* entry);
  gid_t gid_of(archive_entry* entry);
  [[noreturn]] void fail(const std::string& member, const std::string& why) const;

  std::filesystem::path m_dir;
  core::UniqueFd m_dir_fd;
  Overwrite m_overwrite;
  bool m_root;
  std::uint64_t m_bytes = 0;
  std::uint64_t m_temp_count = 0;
  std::set<std::string> m_written_files; ///< regular files this writer wrote
  std::map<std::string, Metadata> m_directories;
  std::map<std::string, std::optional<uid_t>> m_users;
  std::map<std::string, std::optional<gid_t>> m_groups;
};

} // namespace cback::restore
