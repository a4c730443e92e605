#include "atomic_write.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace cback::collect::detail {

namespace {

std::string failure(std::string_view what, const std::string& path, int error) {
  return fmt::format("cannot {} [{}]: {}", what, path,
                     std::error_code(error, std::generic_category()).message());
}

bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const auto written = ::write(fd, content.data(), content.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written < 0) {
      return false;
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// The rename is durable only once the directory entry is on disk too.
void sync_parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

} // namespace

tl::expected<void, std::string> write_file_atomically(const std::string& path,
                                                      std::string_view content) {
  const std::string partial = path + ".partial";
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    return tl::unexpected(failure("create", partial, errno));
  }
  if (!write_all(fd, content) || ::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    ::unlink(partial.c_str());
    return tl::unexpected(failure("write", partial, error));
  }
  if (::close(fd) != 0 || ::rename(partial.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(partial.c_str());
    return tl::unexpected(failure("commit", path, error));
  }
  sync_parent_dir(path);
  return {};
}

} // namespace cback::collect::detail
