#include <cback/core/temp_dir.hpp>

#include <cback/core/directory.hpp>
#include <cback/core/error.hpp>
#include <cback/core/unique_fd.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <utility>

namespace cback::core {
namespace {

namespace fs = std::filesystem;

// Removes `name` beneath `dir_fd` and, for a directory, everything in it.
// Directories are entered with O_NOFOLLOW, so a link is unlinked itself and
// its target never reached. Errors leave what could not go.
void remove_beneath(int dir_fd, const std::string& name) noexcept {
  if (::unlinkat(dir_fd, name.c_str(), 0) == 0 || errno != EISDIR) {
    return;
  }
  const UniqueFd sub(
      ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!sub) {
    return;
  }
  try {
    for (const auto& entry : list_names(sub.get()).names) {
      remove_beneath(sub.get(), entry);
    }
  } catch (const std::bad_alloc&) {
    return;
  }
  (void)::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR);
}

} // namespace

tl::expected<TempDir, std::error_code> TempDir::make(const fs::path& parent,
                                                     std::string_view prefix) {
  std::string pattern = (parent / prefix).string() + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return tl::unexpected(std::error_code(errno, std::generic_category()));
  }
  return TempDir(fs::path(std::move(pattern)));
}

TempDir TempDir::create(const fs::path& parent, std::string_view prefix) {
  auto made = make(parent, prefix);
  if (!made) {
    throw Error(ExitCode::action, fmt::format("Cannot make a temporary directory in [{}]: {}",
                                              parent.string(), made.error().message()));
  }
  return std::move(*made);
}

TempDir::~TempDir() {
  remove();
}

TempDir::TempDir(TempDir&& other) noexcept : m_path(other.release()) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    remove();
    m_path = other.release();
  }
  return *this;
}

fs::path TempDir::release() noexcept {
  return std::exchange(m_path, fs::path());
}

void TempDir::remove() noexcept {
  if (m_path.empty()) {
    return;
  }
  try {
    const fs::path parent_path = m_path.has_parent_path() ? m_path.parent_path() : fs::path(".");
    const UniqueFd parent(::open(parent_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (parent) {
      remove_beneath(parent.get(), m_path.filename().string());
    }
  } catch (const std::bad_alloc&) {
    // Left behind: a destructor cannot report it.
  }
  m_path.clear();
}

} // namespace cback::core
