#pragma once

// The time that code which waits or measures timeouts reads and sleeps by:
// the steady clock in a run; a test gives one that moves only when it is
// told to (or slept on), so that it never sleeps for real. Used by the
// pacer (bandwidth limits, cback-bench).

#include <chrono>

namespace cback::core {

class Clock {
public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;

  /// Called from any thread.
  [[nodiscard]] virtual TimePoint now() const = 0;
  virtual void sleep_for(Duration duration) = 0;

  /// std::chrono::steady_clock and std::this_thread::sleep_for.
  static Clock& steady();
};

} // namespace cback::core
