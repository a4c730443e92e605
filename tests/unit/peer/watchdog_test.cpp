#include <cback/core/stop.hpp>
#include <cback/peer/watchdog.hpp>

#include "support/fake_clock.hpp"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>


using cback::peer::Watchdog;
using cback::test::FakeClock;
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

// Time moves only when a test advances it: the watchdog's own thread
// (which looks every 100 ms of real time) acts on the fake time, and
// check() is what that thread does on each look.

TEST_CASE("A watchdog shuts down a socket whose blocked read makes no progress",
          "[peer][watchdog]") {
  const SocketPair pair;
  FakeClock clock;
  Watchdog watchdog(pair.fds[0], 200ms, nullptr, clock);
  const auto section = watchdog.section();
  clock.advance(200ms);
  CHECK_FALSE(watchdog.check());
  clock.advance(1ms);
  char byte = 0;
  // Nothing is ever written: only the watchdog's thread can end this read.
  CHECK(::recv(pair.fds[0], &byte, 1, 0) == 0);
  CHECK(watchdog.timed_out());
  CHECK_FALSE(watchdog.stopped());
}

TEST_CASE("A watchdog leaves a socket alone outside its sections and while progress is reported",
          "[peer][watchdog]") {
  const SocketPair pair;
  FakeClock clock;
  Watchdog watchdog(pair.fds[0], 300ms, nullptr, clock);
  clock.advance(500ms); // idle: not watched
  CHECK_FALSE(watchdog.check());
  {
    auto section = watchdog.section();
    for (int i = 0; i < 4; ++i) {
      clock.advance(250ms);
      CHECK_FALSE(watchdog.check());
      section.progress();
    }
    section.pause();
    clock.advance(500ms);
    CHECK_FALSE(watchdog.check());
    section.resume();
    clock.advance(300ms);
    CHECK_FALSE(watchdog.check());
  }
  clock.advance(1h);
  CHECK_FALSE(watchdog.check());
  CHECK_FALSE(watchdog.timed_out());
  CHECK(::send(pair.fds[1], "x", 1, 0) == 1);
  char byte = 0;
  CHECK(::recv(pair.fds[0], &byte, 1, 0) == 1);
}

TEST_CASE("A watchdog ends a blocked read when a stop is requested", "[peer][watchdog]") {
  const SocketPair pair;
  FakeClock clock;
  cback::core::StopFlag stop;
  Watchdog watchdog(pair.fds[0], 1h, &stop, clock);
  const auto section = watchdog.section();
  CHECK_FALSE(watchdog.check());
  stop.request();
  char byte = 0;
  CHECK(::recv(pair.fds[0], &byte, 1, 0) == 0);
  CHECK(watchdog.stopped());
  CHECK_FALSE(watchdog.timed_out());
}
