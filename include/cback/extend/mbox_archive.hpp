#pragma once

// The pieces of the mbox extension's directory backup: a scratch directory
// under working_dir and the flat tar of the grepmail'd mailboxes.

#include <cback/config/model.hpp>

#include <filesystem>
#include <vector>

namespace cback::core {
class StopFlag;
}

namespace cback::extend {

/// A fresh directory (mkdtemp, mode 0700) inside `parent`, removed with
/// everything in it when this goes away.
class TempDirectory {
public:
  /// Throws Error(action) naming `parent` when it cannot be made.
  explicit TempDirectory(const std::filesystem::path& parent);
  ~TempDirectory();
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }

private:
  std::filesystem::path m_path;
};

/// Writes `files` into a pax tar at `target` (suffix included), each under
/// its base name only (a flat archive, as the original), compressed with
/// `compress`. Committed by rename; on failure no `target` and no .partial
/// remain and Error(action) names the target (or Error(interrupted) on a
/// stop).
void write_flat_tar(const std::vector<std::filesystem::path>& files,
                    const std::filesystem::path& target, config::CompressMode compress,
                    const core::StopFlag& stop);

} // namespace cback::extend
