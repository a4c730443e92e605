#include <cback/core/beneath.hpp>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace cback::core {

namespace {

class FileRefusalCategory final : public std::error_category {
public:
  [[nodiscard]] const char* name() const noexcept override { return "cback.file"; }
  [[nodiscard]] std::string message(int code) const override {
    switch (static_cast<FileRefusal>(code)) {
    case FileRefusal::symlink:
      return "is a symbolic link, not a regular file";
    case FileRefusal::not_regular:
      return "is not a regular file";
    case FileRefusal::too_large:
      return "is larger than cback accepts for it";
    }
    return "refused";
  }
};

} // namespace

const std::error_category& file_refusal_category() noexcept {
  static const FileRefusalCategory category;
  return category;
}

std::error_code make_error_code(FileRefusal refusal) noexcept {
  return {static_cast<int>(refusal), file_refusal_category()};
}

bool is_plain_name(std::string_view name) noexcept {
  return !name.empty() && name != "." && name != ".." && name.size() <= NAME_MAX &&
         name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

UniqueFd open_beneath(int dir_fd, std::string_view name, int flags, mode_t mode) noexcept {
  if (!is_plain_name(name)) {
    errno = EINVAL;
    return UniqueFd();
  }
  char path[NAME_MAX + 1];
  name.copy(path, name.size());
  path[name.size()] = '\0';
  flags |= O_NOFOLLOW | O_CLOEXEC;
  const bool creates = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags);
  how.mode = creates ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  const long fd = ::syscall(SYS_openat2, dir_fd, path, &how, sizeof how);
  if (fd >= 0) {
    return UniqueFd(static_cast<int>(fd));
  }
  // Kernels before 5.6 have no openat2 (and some seccomp filters refuse
  // it): a plain name with O_NOFOLLOW cannot leave dir_fd either.
  if (errno != ENOSYS && errno != EPERM) {
    return UniqueFd();
  }
  return UniqueFd(::openat(dir_fd, path, flags, mode));
}

tl::expected<UniqueFd, std::error_code>
open_regular_beneath(int dir_fd, std::string_view name, int flags, std::uint64_t limit) noexcept {
  UniqueFd fd = open_beneath(dir_fd, name, flags | O_NONBLOCK);
  if (!fd) {
    if (errno == ELOOP) {
      return tl::unexpected(make_error_code(FileRefusal::symlink));
    }
    return tl::unexpected(std::error_code(errno, std::generic_category()));
  }
  struct ::stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return tl::unexpected(std::error_code(errno, std::generic_category()));
  }
  if (!S_ISREG(st.st_mode)) {
    return tl::unexpected(make_error_code(FileRefusal::not_regular));
  }
  if (static_cast<std::uint64_t>(st.st_size) > limit) {
    return tl::unexpected(make_error_code(FileRefusal::too_large));
  }
  // Only needed for the open: a regular file never blocks.
  (void)::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  return fd;
}

} // namespace cback::core
