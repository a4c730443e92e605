#include <cback/core/temp_directory.hpp>

#include <cback/core/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

namespace cback::core {

TempDirectory::TempDirectory(const std::filesystem::path& parent, std::string_view prefix) {
  std::string pattern = (parent / fmt::format("{}-XXXXXX", prefix)).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw Error(ExitCode::action, fmt::format("Cannot make a temporary directory in [{}]: {}",
                                              parent.string(), std::strerror(errno)));
  }
  m_path = pattern;
}

TempDirectory::~TempDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(m_path, ignored);
}

} // namespace cback::core
