#include <cback/core/directory.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string_view>

namespace cback::core {
namespace {

struct DirCloser {
  void operator()(DIR* dir) const noexcept { ::closedir(dir); }
};

} // namespace

DirNames list_names(int dir_fd) {
  DirNames listed;
  // fdopendir takes the fd it is given and reads on from its offset: list
  // through a duplicate, rewound.
  const int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  const std::unique_ptr<DIR, DirCloser> stream(copy < 0 ? nullptr : ::fdopendir(copy));
  if (!stream) {
    listed.error = std::error_code(errno, std::generic_category());
    if (copy >= 0) {
      ::close(copy);
    }
    return listed;
  }
  ::rewinddir(stream.get());
  errno = 0;
  while (const dirent* entry = ::readdir(stream.get())) {
    const std::string_view name(entry->d_name);
    if (name != "." && name != "..") {
      listed.names.emplace_back(name);
    }
    errno = 0;
  }
  if (errno != 0) {
    listed.error = std::error_code(errno, std::generic_category());
  }
  std::sort(listed.names.begin(), listed.names.end());
  return listed;
}

std::optional<std::string> read_link(int dir_fd, const char* name) {
  std::string target(256, '\0');
  for (;;) {
    const auto length = ::readlinkat(dir_fd, name, target.data(), target.size());
    if (length < 0) {
      return std::nullopt;
    }
    if (static_cast<std::size_t>(length) < target.size()) {
      target.resize(static_cast<std::size_t>(length));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

} // namespace cback::core
