#pragma once

#include <filesystem>
#include <string>

namespace cback::test {

/// A fresh directory under $TMPDIR for one test. Removed when the test
/// passed; kept (and its path printed) when the test failed, for a look.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
  /// path() / relative
  [[nodiscard]] std::filesystem::path operator/(const std::string& relative) const {
    return m_path / relative;
  }
  /// Writes `content` to path()/relative, creating parent directories.
  std::filesystem::path write(const std::string& relative, const std::string& content) const;

private:
  std::filesystem::path m_path;
};

/// The whole content of a file.
std::string read_file(const std::filesystem::path& path);

} // namespace cback::test
