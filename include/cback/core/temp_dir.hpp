#pragma once

// A scratch directory for one piece of work (a dump's copies, a peer's
// files, a disc's tree), made fresh and removed with everything in it.

#include <filesystem>
#include <string_view>
#include <system_error>

#include <tl/expected.hpp>

namespace cback::core {

/// A new directory (mode 0700, so only its maker enters it) in a given
/// parent, removed with its content when this goes away, unless released.
/// The removal works on directory fds and never follows a symbolic link:
/// a link found inside (planted, or left by a tool) goes itself, its target
/// stays as it was.
class TempDir {
public:
  /// Makes `parent`/`prefix`XXXXXX (mkdtemp). The error is mkdtemp's errno.
  [[nodiscard]] static tl::expected<TempDir, std::error_code>
  make(const std::filesystem::path& parent, std::string_view prefix);
  /// make(), or throws cback::Error(action) "Cannot make a temporary
  /// directory in [parent]: reason".
  [[nodiscard]] static TempDir create(const std::filesystem::path& parent, std::string_view prefix);

  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }

  /// Keeps the directory: nothing is removed when this goes away. Returns
  /// its path.
  std::filesystem::path release() noexcept;

private:
  explicit TempDir(std::filesystem::path path) noexcept : m_path(std::move(path)) {}
  void remove() noexcept;

  std::filesystem::path m_path; ///< empty once released or moved from
};

} // namespace cback::core
