#pragma once

// A scratch directory that goes away with its owner, on every path out.

#include <filesystem>
#include <string_view>

namespace cback::core {

/// A fresh directory PREFIX-XXXXXX (mkdtemp, mode 0700) inside `parent`,
/// removed with everything in it when this goes away.
class TempDirectory {
public:
  /// Throws Error(action) naming `parent` when it cannot be made.
  TempDirectory(const std::filesystem::path& parent, std::string_view prefix);
  ~TempDirectory();
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }

private:
  std::filesystem::path m_path;
};

} // namespace cback::core
