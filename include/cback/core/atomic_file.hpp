#pragma once

// Outputs are committed by rename (STYLE §10): an AtomicFile writes
// NAME.partial and only commit() makes NAME appear, complete and on disk.
// A run that dies or throws before commit() leaves no NAME behind.

#include <cback/core/unique_fd.hpp>

#include <filesystem>
#include <string_view>
#include <sys/types.h>

namespace cback::core {

class AtomicFile {
public:
  /// Creates (truncating) `path`.partial with `mode` & ~umask. Throws
  /// cback::Error(ExitCode::action) when it cannot.
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
  /// stdout). Invalid after commit().
  [[nodiscard]] int fd() const noexcept { return m_fd.get(); }

  /// fsyncs and closes the file, renames it to path() and fsyncs the
  /// directory. Throws Error(action) on failure (the .partial is then
  /// removed by the destructor).
  void commit();

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }
  [[nodiscard]] const std::filesystem::path& partial_path() const noexcept { return m_partial; }

private:
  std::filesystem::path m_path;
  std::filesystem::path m_partial;
  UniqueFd m_fd;
  bool m_committed = false;
};

/// Writes an empty indicator file (cback.collect, cback.stage, ...)
/// atomically: it either exists complete or not at all.
void write_indicator(const std::filesystem::path& path);

} // namespace cback::core
