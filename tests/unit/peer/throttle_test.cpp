#include <cback/core/stop.hpp>
#include <cback/peer/throttle.hpp>

#include <catch2/catch.hpp>

using namespace std::chrono_literals;

TEST_CASE("A throttle makes the bytes moved take the time the rate allows", "[peer][throttle]") {
  cback::peer::Throttle throttle(1'000'000.0);
  throttle.consumed(250'000, nullptr);
  CHECK(throttle.due() == 250ms);
  throttle.consumed(250'000, nullptr);
  CHECK(throttle.due() == 500ms);
}

TEST_CASE("A throttle stops waiting when a stop is requested", "[peer][throttle]") {
  cback::core::StopFlag stop;
  stop.request();
  cback::peer::Throttle throttle(1.0);
  throttle.consumed(1'000'000, &stop); // would wait 11 days
  CHECK(throttle.due() > 24h);
}
