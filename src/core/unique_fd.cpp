#include <cback/core/unique_fd.hpp>

#include <unistd.h>

namespace cback::core {

void UniqueFd::reset(int fd) noexcept {
  if (m_fd >= 0) {
    // Linux releases the fd even when close() fails (EINTR included), so
    // retrying could close an fd another thread has just been given.
    (void)::close(m_fd);
  }
  m_fd = fd;
}

int UniqueFd::close() noexcept {
  const int fd = release();
  return fd >= 0 ? ::close(fd) : 0;
}

} // namespace cback::core
