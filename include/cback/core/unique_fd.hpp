#pragma once

// A move-only owner of a POSIX file descriptor: closed exactly once, on
// destruction or reset(). Every fd cback opens lives in one of these.

#include <utility>

namespace cback::core {

class UniqueFd {
public:
  UniqueFd() noexcept = default;
  /// Takes ownership of `fd` (-1 = none).
  explicit UniqueFd(int fd) noexcept : m_fd(fd) {}
  ~UniqueFd() { reset(); }

  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset(other.release());
    }
    return *this;
  }

  [[nodiscard]] int get() const noexcept { return m_fd; }
  [[nodiscard]] bool valid() const noexcept { return m_fd >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  /// Gives up ownership without closing; returns the fd.
  [[nodiscard]] int release() noexcept { return std::exchange(m_fd, -1); }
  /// Closes the current fd (errors ignored: the fd is gone either way) and
  /// takes `fd`.
  void reset(int fd = -1) noexcept;

  /// Closes now and reports close()'s result (0, or -1 with errno), for
  /// writers that must notice a failed close (NFS reports write errors there).
  int close() noexcept;

private:
  int m_fd = -1;
};

} // namespace cback::core
