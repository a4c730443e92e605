#include <cback/peer/shared_limit.hpp>

#include <cback/core/stop.hpp>

#include <algorithm>

namespace cback::peer {

namespace {

// The burst a link idle for a while may take at once: enough that buffers
// arriving together are not held back for credit the link had, short
// enough that the total stays the rate over any second.
constexpr core::Pacer::Seconds k_max_lag{0.25};
constexpr auto k_slice = std::chrono::milliseconds(100);

} // namespace

SharedLimit::SharedLimit(double bytes_per_second, core::Clock& clock)
    : m_clock(&clock), m_pacer(bytes_per_second, k_max_lag, clock) {}

core::Clock::TimePoint SharedLimit::reserve(std::int64_t bytes) {
  const std::lock_guard lock(m_mutex);
  m_pacer.count(bytes);
  // Read once: the pacer's ahead() grows as other peers count after us,
  // and this peer waits only for the bytes counted before its own.
  return m_clock->now() + std::chrono::ceil<core::Clock::Duration>(m_pacer.ahead());
}

void SharedLimit::pace(std::int64_t bytes, const core::StopFlag* stop) {
  const auto release = reserve(bytes);
  for (auto now = m_clock->now(); now < release; now = m_clock->now()) {
    if (stop != nullptr && stop->requested()) {
      return;
    }
    m_clock->sleep_for(std::min<core::Clock::Duration>(release - now, k_slice));
  }
}

} // namespace cback::peer
