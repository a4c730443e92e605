#include <cback/core/progress.hpp>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace cback::core {

std::string display_bytes(double bytes) {
  constexpr double k_kb = 1024.0;
  const double size = std::fabs(bytes);
  if (size < k_kb) {
    return fmt::format("{:.0f} bytes", bytes);
  }
  if (size < k_kb * k_kb) {
    return fmt::format("{:.2f} kB", bytes / k_kb);
  }
  if (size < k_kb * k_kb * k_kb) {
    return fmt::format("{:.2f} MB", bytes / (k_kb * k_kb));
  }
  return fmt::format("{:.2f} GB", bytes / (k_kb * k_kb * k_kb));
}

void ProgressPrinter::print(const std::string& line) {
  if (!m_enabled) {
    return;
  }
  const std::lock_guard lock(m_mutex);
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

bool ProgressClock::due(bool last) {
  const auto now = Clock::now();
  if (!last && now - m_last < std::chrono::seconds(1)) {
    return false;
  }
  m_last = now;
  return true;
}

double ProgressClock::elapsed_seconds() const {
  return std::chrono::duration<double>(Clock::now() - m_start).count();
}

std::uint64_t ProgressClock::rate(std::uint64_t bytes) const {
  const double seconds = elapsed_seconds();
  return seconds > 0 ? static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds) : 0;
}

} // namespace cback::core
