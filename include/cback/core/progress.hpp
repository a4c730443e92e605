#pragma once

// Progress lines on a terminal (collect's archives, stage's peers): at most
// one a second for each task, and the last one always; lines printed from
// several threads never interleave.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace cback::core {

/// The original's displayBytes: "512 bytes", "1.50 kB", "2.00 MB",
/// "1.10 GB" (units of 1024, by the absolute value).
std::string display_bytes(double bytes);

/// Prints whole lines on stdout, one thread at a time; prints nothing when
/// disabled (quiet, or stdout is not a terminal: RunFlags::progress).
class ProgressPrinter {
public:
  explicit ProgressPrinter(bool enabled) : m_enabled(enabled) {}

  [[nodiscard]] bool enabled() const noexcept { return m_enabled; }
  /// Writes `line` and a newline, and flushes.
  void print(const std::string& line);

private:
  bool m_enabled;
  std::mutex m_mutex;
};

/// The clock of one task's progress (one archive, one peer), used from one
/// thread at a time.
class ProgressClock {
public:
  using Clock = std::chrono::steady_clock;

  /// True when a line is due: the first time, a second after the last line,
  /// or for the task's last line (`last`). Remembers a due line as printed.
  bool due(bool last);
  /// Seconds since the task began.
  [[nodiscard]] double elapsed_seconds() const;
  /// `bytes` spread over elapsed_seconds(); 0 before any time has passed.
  [[nodiscard]] std::uint64_t rate(std::uint64_t bytes) const;

private:
  Clock::time_point m_start = Clock::now();
  Clock::time_point m_last{};
};

} // namespace cback::core
