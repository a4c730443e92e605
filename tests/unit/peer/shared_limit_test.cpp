// The run's total_bandwidth_limit shared by the peers in flight, on a clock
// that moves only when the test or the pacer says so.

#include <cback/core/stop.hpp>
#include <cback/peer/shared_limit.hpp>

#include "support/fake_clock.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <queue>
#include <vector>

using namespace std::chrono_literals;
using cback::core::Clock;
using cback::peer::SharedLimit;
using cback::test::FakeClock;

namespace {

/// A peer of the simulation: it receives a buffer of `chunk` bytes every
/// `period` of its own link (zero: as fast as it likes), then waits for the
/// shared limit before it asks for the next one.
struct SimPeer {
  std::int64_t chunk = 100'000;
  Clock::Duration period{0};
};

/// Runs `peers` against one limit for `span` of fake time, each peer taking
/// its turn when its next buffer is ready (the earliest first); returns the
/// bytes each peer got released within the span.
std::vector<std::int64_t> simulate(const std::vector<SimPeer>& peers, double rate,
                                   Clock::Duration span) {
  FakeClock clock;
  SharedLimit limit(rate, clock);
  using Ready = std::pair<Clock::TimePoint, std::size_t>;
  std::priority_queue<Ready, std::vector<Ready>, std::greater<>> ready;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    ready.emplace(clock.now() + peers[i].period, i);
  }
  std::vector<std::int64_t> got(peers.size());
  const auto end = clock.now() + span;
  while (!ready.empty() && ready.top().first < end) {
    const auto [when, i] = ready.top();
    ready.pop();
    clock.advance(when - clock.now());
    const auto release = limit.reserve(peers[i].chunk);
    if (release <= end) {
      got[i] += peers[i].chunk;
    }
    ready.emplace(std::max(release, when + peers[i].period), i);
  }
  return got;
}

double seconds(Clock::Duration duration) {
  return std::chrono::duration<double>(duration).count();
}

} // namespace

TEST_CASE("A shared limit releases a peer's bytes when they fit the total rate",
          "[peer][shared_limit]") {
  FakeClock clock;
  SharedLimit limit(1'000'000.0, clock);
  CHECK(seconds(limit.reserve(500'000) - clock.now()) == Approx(0.5));
  // A second peer's bytes come after the first's.
  CHECK(seconds(limit.reserve(250'000) - clock.now()) == Approx(0.75));
  clock.advance(750ms);
  limit.pace(100'000);
  CHECK(clock.slept == std::vector<Clock::Duration>{100ms});
}

TEST_CASE("A shared limit waits in slices and gives up its wait when a stop is requested",
          "[peer][shared_limit]") {
  FakeClock clock;
  SharedLimit limit(1000.0, clock);
  cback::core::StopFlag stop;
  clock.on_sleep = [&] {
    if (clock.slept.size() == 2) {
      stop.request();
    }
  };
  limit.pace(1000, &stop);
  CHECK(clock.slept == std::vector<Clock::Duration>{100ms, 100ms});
}

TEST_CASE("Peers that all want more than their share get the total rate in equal parts",
          "[peer][shared_limit]") {
  const double rate = 1'000'000.0;
  const auto got = simulate({{}, {}, {}, {}}, rate, 20s);
  std::int64_t total = 0;
  for (const auto bytes : got) {
    CHECK(static_cast<double>(bytes) == Approx(rate * 20 / 4).epsilon(0.02));
    total += bytes;
  }
  CHECK(static_cast<double>(total) == Approx(rate * 20).epsilon(0.01));
}

TEST_CASE("A peer slower than its share keeps its own rate and the others share the rest",
          "[peer][shared_limit]") {
  const double rate = 1'000'000.0;
  // The slow peer's link brings 100 kB every 2 s: 50 kB/s of the 1 MB/s.
  const auto got = simulate({{}, {}, {100'000, 2s}}, rate, 20s);
  CHECK(static_cast<double>(got[2]) == Approx(50'000.0 * 20).epsilon(0.1));
  CHECK(static_cast<double>(got[0]) == Approx(475'000.0 * 20).epsilon(0.03));
  CHECK(static_cast<double>(got[1]) == Approx(475'000.0 * 20).epsilon(0.03));
}

TEST_CASE("Peers of different buffer sizes get the same byte rate only while they queue a buffer "
          "at a time",
          "[peer][shared_limit]") {
  // A buffer each in turn: a peer's rate follows its buffer size, as a
  // peer pulling small files gets less than one pulling large ones. Stage
  // hands whole pool buffers (1 MiB) but for a file's last one, so the
  // peers in flight split the total evenly.
  const double rate = 1'000'000.0;
  const auto got = simulate({{100'000, 0s}, {50'000, 0s}}, rate, 30s);
  CHECK(static_cast<double>(got[0]) == Approx(2.0 * static_cast<double>(got[1])).epsilon(0.03));
  CHECK(static_cast<double>(got[0] + got[1]) == Approx(rate * 30).epsilon(0.01));
}

TEST_CASE("A shared limit idle for a while lets one short burst through, not its whole past",
          "[peer][shared_limit]") {
  FakeClock clock;
  SharedLimit limit(1'000'000.0, clock);
  clock.advance(10s);
  const auto start = clock.now();
  std::vector<double> releases;
  for (int i = 0; i < 3; ++i) {
    releases.push_back(seconds(limit.reserve(1'000'000) - start));
  }
  CHECK(releases[0] == 0.0);
  CHECK(releases[1] == Approx(1.0));
  CHECK(releases[2] == Approx(2.0));
}
