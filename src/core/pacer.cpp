#include <cback/core/pacer.hpp>

#include <cback/core/stop.hpp>

#include <algorithm>

namespace cback::core {

Pacer::Pacer(double bytes_per_second, std::optional<Seconds> max_lag, Clock& clock)
    : m_clock(&clock), m_rate(bytes_per_second), m_max_lag(max_lag), m_start(clock.now()) {}

Pacer::Seconds Pacer::due() const {
  return Seconds(static_cast<double>(m_bytes) / m_rate);
}

Pacer::Seconds Pacer::ahead() {
  const Seconds left = due() - (m_clock->now() - m_start);
  if (m_max_lag && left < -*m_max_lag) {
    restart();
    return Seconds(0);
  }
  return std::max(left, Seconds(0));
}

void Pacer::wait(const StopFlag* stop) {
  constexpr Seconds k_slice = std::chrono::milliseconds(100);
  for (Seconds left = ahead(); left > Seconds(0); left = ahead()) {
    if (stop != nullptr && stop->requested()) {
      return;
    }
    // Rounded up: a sleep rounded down to nothing would wake to the same
    // wait again.
    m_clock->sleep_for(std::chrono::ceil<Clock::Duration>(std::min(left, k_slice)));
  }
}

void Pacer::pace(std::int64_t bytes, const StopFlag* stop) {
  count(bytes);
  wait(stop);
}

void Pacer::restart() {
  m_start = m_clock->now();
  m_bytes = 0;
}

} // namespace cback::core
