#include <cback/core/read_file.hpp>

#include <cback/core/unique_fd.hpp>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::core {

tl::expected<std::string, std::error_code> read_file(const std::filesystem::path& path) {
  const auto failure = [] {
    return tl::unexpected(std::error_code(errno, std::generic_category()));
  };
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return failure();
  }
  struct stat st {};
  std::string content;
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) {
    content.reserve(static_cast<std::size_t>(st.st_size));
  }
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      return failure();
    }
    if (got == 0) {
      return content;
    }
    content.append(buffer, static_cast<std::size_t>(got));
  }
}

} // namespace cback::core
