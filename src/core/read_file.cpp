#include <cback/core/read_file.hpp>

#include <cback/core/beneath.hpp>
#include <cback/core/unique_fd.hpp>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::core {

namespace {

std::error_code last_error() {
  return {errno, std::generic_category()};
}

// Reads `fd` to its end, failing with too_large past `limit` bytes.
tl::expected<std::string, std::error_code> read_all(int fd, std::uint64_t limit) {
  struct stat st {};
  std::string content;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    content.reserve(static_cast<std::size_t>(
        std::min<std::uint64_t>(static_cast<std::uint64_t>(st.st_size), limit)));
  }
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return tl::unexpected(last_error());
    }
    if (got == 0) {
      return content;
    }
    if (static_cast<std::uint64_t>(got) > limit - content.size()) {
      return tl::unexpected(make_error_code(FileRefusal::too_large));
    }
    content.append(buffer, static_cast<std::size_t>(got));
  }
}

} // namespace

tl::expected<std::string, std::error_code> read_file(const std::filesystem::path& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return tl::unexpected(last_error());
  }
  return read_all(fd.get(), UINT64_MAX);
}

tl::expected<std::string, std::error_code> read_file_beneath(int dir_fd, std::string_view name,
                                                             std::uint64_t limit) {
  const auto fd = open_regular_beneath(dir_fd, name, O_RDONLY, limit);
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  return read_all(fd->get(), limit);
}

} // namespace cback::core
