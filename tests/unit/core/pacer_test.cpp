// The one pace of bandwidth limits and of cback-bench's drive and source,
// on a clock that moves only when the pacer sleeps on it.

#include <cback/core/pacer.hpp>
#include <cback/core/stop.hpp>

#include "support/fake_clock.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <vector>

using namespace std::chrono_literals;
using cback::core::Clock;
using cback::core::Pacer;
using cback::test::FakeClock;

namespace {

double seconds(Pacer::Seconds value) {
  return value.count();
}

} // namespace

TEST_CASE("A pacer makes the bytes counted take the time the rate allows", "[core][pacer]") {
  FakeClock clock;
  Pacer pacer(1'000'000.0, std::nullopt, clock);
  pacer.count(250'000);
  CHECK(seconds(pacer.due()) == Approx(0.25));
  CHECK(seconds(pacer.ahead()) == Approx(0.25));
  clock.advance(100ms);
  CHECK(seconds(pacer.ahead()) == Approx(0.15));
  pacer.pace(250'000);
  CHECK(clock.since_start() == 500ms);
  CHECK(seconds(pacer.ahead()) == 0.0);
}

TEST_CASE("A pacer sleeps in slices of at most 100 ms", "[core][pacer]") {
  FakeClock clock;
  Pacer pacer(1000.0, std::nullopt, clock);
  pacer.pace(350);
  CHECK(clock.slept == std::vector<Clock::Duration>{100ms, 100ms, 100ms, 50ms});
}

TEST_CASE("A pacer without a lag limit makes up lost time, so its long-run rate is exact",
          "[core][pacer]") {
  FakeClock clock;
  Pacer pacer(1'000'000.0, std::nullopt, clock);
  clock.advance(2s);
  pacer.pace(1'500'000);
  CHECK(clock.slept.empty());
  pacer.count(1'000'000);
  CHECK(seconds(pacer.ahead()) == Approx(0.5));
}

TEST_CASE("A pacer further behind than its lag limit starts again from now", "[core][pacer]") {
  FakeClock clock;
  Pacer pacer(1'000'000.0, Pacer::Seconds(0.05), clock);
  pacer.count(100'000);
  clock.advance(140ms); // 40 ms behind: still the same pace
  CHECK(seconds(pacer.ahead()) == 0.0);
  pacer.count(100'000);
  CHECK(seconds(pacer.ahead()) == Approx(0.06));
  clock.advance(1s); // far behind: no burst to make up for it
  CHECK(seconds(pacer.ahead()) == 0.0);
  pacer.count(250'000);
  CHECK(seconds(pacer.ahead()) == Approx(0.25));
  CHECK(seconds(pacer.due()) == Approx(0.25));
}

TEST_CASE("A restarted pacer counts from now with nothing counted", "[core][pacer]") {
  FakeClock clock;
  Pacer pacer(1000.0, std::nullopt, clock);
  pacer.count(5000);
  clock.advance(1s);
  pacer.restart();
  CHECK(seconds(pacer.due()) == 0.0);
  pacer.count(500);
  CHECK(seconds(pacer.ahead()) == Approx(0.5));
}

TEST_CASE("A pacer stops waiting when a stop is requested", "[core][pacer]") {
  FakeClock clock;
  cback::core::StopFlag stop;
  Pacer pacer(1.0, std::nullopt, clock);
  SECTION("before it waits") {
    stop.request();
    pacer.pace(1'000'000, &stop); // would wait 11 days
    CHECK(clock.slept.empty());
  }
  SECTION("while it waits") {
    clock.on_sleep = [&] { stop.request(); };
    pacer.pace(1'000'000, &stop);
    CHECK(clock.slept == std::vector<Clock::Duration>{100ms});
  }
  CHECK(pacer.due() > 24h);
}
