#pragma once

// A bandwidth limit: the caller reports the bytes it moved and is made to
// wait until they fit the rate since the throttle was made. Averaging over
// the whole transfer (not a short window) keeps the long-run rate exact
// while pipelined reads arrive in bursts.

#include <chrono>
#include <cstdint>

namespace cback::core {
class StopFlag;
}

namespace cback::peer {

class Throttle {
public:
  /// Contract: bytes_per_second > 0.
  explicit Throttle(double bytes_per_second);

  /// Counts `bytes` and sleeps while the total is ahead of the rate. Wakes
  /// at least every 100 ms to look at `stop` (may be null) and returns
  /// early when it is raised.
  void consumed(std::uint64_t bytes, const core::StopFlag* stop);

  /// How long the total so far must take at the rate.
  [[nodiscard]] std::chrono::nanoseconds due() const;

private:
  double m_rate;
  std::uint64_t m_total = 0;
  std::chrono::steady_clock::time_point m_start;
};

} // namespace cback::peer
