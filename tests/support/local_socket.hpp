#pragma once

// A TCP socket on 127.0.0.1 at a port the kernel picks: a port where a
// connection is refused (bound, not listening), one where the kernel accepts
// and nobody answers (listening), or, once the socket is gone, a port that
// was free a moment ago.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cback::test {

enum class Listening { yes, no };

class LocalSocket {
public:
  explicit LocalSocket(Listening listening) : m_fd(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(m_fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    m_port = ntohs(address.sin_port);
    if (listening == Listening::yes) {
      REQUIRE(::listen(m_fd, 4) == 0);
    }
  }
  ~LocalSocket() { ::close(m_fd); }
  LocalSocket(const LocalSocket&) = delete;
  LocalSocket& operator=(const LocalSocket&) = delete;
  [[nodiscard]] int port() const { return m_port; }

private:
  int m_fd;
  int m_port = 0;
};

/// A port on 127.0.0.1 that was free when asked (nothing listens there).
inline int free_port() {
  return LocalSocket(Listening::no).port();
}

} // namespace cback::test
