#pragma once

// Outputs are committed by rename (docs/ARCHITECTURE.md): an AtomicFile writes
// NAME.partial and only commit() makes NAME appear, complete and on disk.
// A run that dies or throws before commit() leaves no NAME behind.
//
// The directory may belong to the backup user, who can put a symbolic
// link, a hard link or a directory at NAME.partial before a run as root
// (docs/ARCHITECTURE.md, "How cback creates files"): NAME.partial is always
// a new file of cback's own, never one opened through such a name.

#include <cback/core/unique_fd.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace cback::core {

class AtomicFile {
public:
  /// Creates `path`.partial as a new file (O_CREAT|O_EXCL|O_NOFOLLOW, open
  /// for reading and writing) with `mode` & ~umask, in the directory of
  /// `path`, opened once: the .partial, the rename and the clean-up all
  /// happen in that one directory. A .partial already there (a run that
  /// died, or something planted) is unlinked first: a symbolic or hard link
  /// goes, its target stays as it was. Throws cback::Error(ExitCode::action)
  /// naming the .partial when it cannot, or when a directory is in its way.
  explicit AtomicFile(std::filesystem::path path, mode_t mode = 0666);
  /// Removes the .partial file unless commit() succeeded.
  ~AtomicFile();

  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  /// The moved-from object owns nothing and removes nothing.
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;

  /// Appends all of `data`; throws Error(action) on a write error.
  void write(std::string_view data);
  /// The open .partial file, for writers that need the fd (e.g. a child's
  /// stdout) or read back what they wrote. Invalid after commit().
  [[nodiscard]] int fd() const noexcept { return m_fd.get(); }

  /// fsyncs and closes the file, renames it to path() and fsyncs the
  /// directory. Throws Error(action) on failure (the .partial is then
  /// removed by the destructor). Whatever was at path() (a file, a link) is
  /// replaced, never followed.
  void commit();

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }
  [[nodiscard]] const std::filesystem::path& partial_path() const noexcept { return m_partial; }

private:
  std::filesystem::path m_path;
  std::filesystem::path m_partial;
  UniqueFd m_dir;     ///< the directory of m_path
  std::string m_name; ///< m_path's file name, in m_dir
  std::string m_partial_name;
  UniqueFd m_fd;
  bool m_committed = false;
};

/// Writes an empty indicator file (cback.collect, cback.stage, ...)
/// atomically: it either exists complete or not at all.
void write_indicator(const std::filesystem::path& path);

} // namespace cback::core
