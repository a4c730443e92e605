#pragma once

// A core::Clock for tests: time stands still but for advance() and the
// sleeps of the code under test, which are recorded (and make time move at
// once); `on_sleep` runs after each. now() may be read from another thread
// while the test advances it.

#include <cback/core/clock.hpp>

#include <atomic>
#include <functional>
#include <vector>

namespace cback::test {

class FakeClock final : public core::Clock {
public:
  [[nodiscard]] TimePoint now() const override { return TimePoint(Duration(m_ticks.load())); }
  void sleep_for(Duration duration) override {
    advance(duration);
    slept.push_back(duration);
    if (on_sleep) {
      on_sleep();
    }
  }
  void advance(Duration duration) { m_ticks += duration.count(); }
  [[nodiscard]] Duration since_start() const { return Duration(m_ticks.load()); }

  std::vector<Duration> slept;
  std::function<void()> on_sleep;

private:
  std::atomic<Duration::rep> m_ticks{0};
};

} // namespace cback::test
