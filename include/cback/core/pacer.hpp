#pragma once

// One pace for whatever moves bytes at a rate: stage's bandwidth limit per
// peer, and cback-bench's pseudo-drive and slow image source. The caller
// counts the bytes it moved; the pacer says how long it is ahead of the
// rate since it started, or waits that long.
//
// Two ways to treat lost time. A bandwidth limit averages over the whole
// transfer (not a short window): pipelined reads arrive in bursts, and the
// long-run rate stays exact. A drive or a disk does not burst to make up
// for time it lost: with a `max_lag`, a pace that has fallen further behind
// than that starts again from now.

#include <cback/core/clock.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace cback::core {

class StopFlag;

class Pacer {
public:
  using Seconds = std::chrono::duration<double>;

  /// Contract: bytes_per_second > 0. The pace starts now.
  explicit Pacer(double bytes_per_second, std::optional<Seconds> max_lag = std::nullopt,
                 Clock& clock = Clock::steady());

  /// Counts `bytes` moved.
  void count(std::int64_t bytes) { m_bytes += bytes; }

  /// How long until the bytes counted fit the rate (zero once they do). A
  /// pace more than max_lag behind starts again from now.
  [[nodiscard]] Seconds ahead();

  /// Sleeps until ahead() is zero. Wakes at least every 100 ms to look at
  /// `stop` (may be null) and returns early once it is requested.
  void wait(const StopFlag* stop = nullptr);

  /// count(bytes), then wait(stop).
  void pace(std::int64_t bytes, const StopFlag* stop = nullptr);

  /// Starts the pace again from now, with nothing counted.
  void restart();

  /// How long the bytes counted since the start must take at the rate.
  [[nodiscard]] Seconds due() const;

private:
  Clock* m_clock;
  double m_rate;
  std::optional<Seconds> m_max_lag;
  Clock::TimePoint m_start;
  std::int64_t m_bytes = 0;
};

} // namespace cback::core
