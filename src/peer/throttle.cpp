#include <cback/peer/throttle.hpp>

#include <cback/core/stop.hpp>

#include <algorithm>
#include <thread>

namespace cback::peer {

Throttle::Throttle(double bytes_per_second)
    : m_rate(bytes_per_second), m_start(std::chrono::steady_clock::now()) {}

std::chrono::nanoseconds Throttle::due() const {
  return std::chrono::nanoseconds(
      static_cast<std::int64_t>(static_cast<double>(m_total) / m_rate * 1e9));
}

void Throttle::consumed(std::uint64_t bytes, const core::StopFlag* stop) {
  constexpr auto k_slice = std::chrono::milliseconds(100);
  m_total += bytes;
  const auto until = m_start + due();
  for (auto now = std::chrono::steady_clock::now(); now < until;
       now = std::chrono::steady_clock::now()) {
    if (stop != nullptr && stop->requested()) {
      return;
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(until - now, k_slice));
  }
}

} // namespace cback::peer
