#include <cback/core/stop.hpp>
#include <cback/peer/watchdog.hpp>

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

using cback::peer::Watchdog;
using namespace std::chrono_literals;

namespace {

struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0); }
  ~SocketPair() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  SocketPair(const SocketPair&) = delete;
  SocketPair& operator=(const SocketPair&) = delete;
};

} // namespace

TEST_CASE("A watchdog shuts down a socket whose blocked read makes no progress",
          "[peer][watchdog]") {
  const SocketPair pair;
  Watchdog watchdog(pair.fds[0], 200ms, nullptr);
  const auto section = watchdog.section();
  char byte = 0;
  // Nothing is ever written: only the watchdog can end this read.
  CHECK(::recv(pair.fds[0], &byte, 1, 0) == 0);
  CHECK(watchdog.timed_out());
  CHECK_FALSE(watchdog.stopped());
}

TEST_CASE("A watchdog leaves a socket alone outside its sections and while progress is reported",
          "[peer][watchdog]") {
  const SocketPair pair;
  Watchdog watchdog(pair.fds[0], 300ms, nullptr);
  std::this_thread::sleep_for(500ms); // idle: not watched
  {
    auto section = watchdog.section();
    for (int i = 0; i < 4; ++i) {
      std::this_thread::sleep_for(100ms);
      section.progress();
    }
    section.pause();
    std::this_thread::sleep_for(500ms);
  }
  CHECK_FALSE(watchdog.timed_out());
  CHECK(::send(pair.fds[1], "x", 1, 0) == 1);
  char byte = 0;
  CHECK(::recv(pair.fds[0], &byte, 1, 0) == 1);
}

TEST_CASE("A watchdog ends a blocked read when a stop is requested", "[peer][watchdog]") {
  const SocketPair pair;
  cback::core::StopFlag stop;
  Watchdog watchdog(pair.fds[0], 1h, &stop);
  const auto section = watchdog.section();
  std::thread requester([&stop] {
    std::this_thread::sleep_for(100ms);
    stop.request();
  });
  char byte = 0;
  CHECK(::recv(pair.fds[0], &byte, 1, 0) == 0);
  requester.join();
  CHECK(watchdog.stopped());
  CHECK_FALSE(watchdog.timed_out());
}
