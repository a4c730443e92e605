#include <cback/core/lock.hpp>

#include <cback/core/error.hpp>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::core {
namespace {

constexpr const char* k_lock_name = "cback.lock";

// The holder's pid as written in the file, or "unknown" when the holder has
// not written it yet (it locks first, then writes).
std::string read_holder(int fd) {
  std::array<char, 32> text{};
  const ssize_t size = ::pread(fd, text.data(), text.size() - 1, 0);
  long pid = 0;
  if (size > 0) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + size, pid);
    if (error == std::errc{} && pid > 0) {
      return std::to_string(pid);
    }
  }
  return "unknown";
}

void write_pid(int fd, const std::filesystem::path& path) {
  const std::string text = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    throw Error(ExitCode::action,
                fmt::format("Cannot write lock file {}: {}", path.string(), std::strerror(errno)));
  }
}

} // namespace

RunLock::RunLock(const std::filesystem::path& dir) : m_path(dir / k_lock_name) {
  // working_dir belongs to the backup user: what is at the lock's name may
  // be a link or a special file planted there. O_NONBLOCK keeps a FIFO or a
  // device from blocking the open, and the lock is truncated below only
  // when it is a regular file with no other name.
  m_fd.reset(::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644));
  if (!m_fd) {
    throw Error(ExitCode::action,
                fmt::format("Cannot open lock file {}: {}", m_path.string(), std::strerror(errno)));
  }
  struct ::stat info {};
  if (::fstat(m_fd.get(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_nlink != 1) {
    throw Error(ExitCode::action,
                fmt::format("Lock file {} is not a plain file (a special file or a file with "
                            "another name); not using it. Remove it to continue.",
                            m_path.string()));
  }
  int result = 0;
  do {
    result = ::flock(m_fd.get(), LOCK_EX | LOCK_NB);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    if (errno == EWOULDBLOCK) {
      throw Error(ExitCode::action,
                  fmt::format("Another cback run (pid {}) is already using working directory "
                              "{}; not starting.",
                              read_holder(m_fd.get()), dir.string()));
    }
    throw Error(ExitCode::action,
                fmt::format("Cannot lock {}: {}", m_path.string(), std::strerror(errno)));
  }
  write_pid(m_fd.get(), m_path);
}

RunLock::~RunLock() {
  release();
}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    release();
    m_path = std::move(other.m_path);
    m_fd = std::move(other.m_fd);
  }
  return *this;
}

void RunLock::release() noexcept {
  if (m_fd) {
    // Emptied while still locked, so no other run ever reads a stale pid.
    (void)::ftruncate(m_fd.get(), 0);
    m_fd.reset();
  }
}

} // namespace cback::core
