#pragma once

// Timings and byte counts of one run, for `--perf`: the actions add a row
// per item (collect) or directory (purge), from any thread; the run loop
// prints format_table() at the end when the switch was given.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cback::core {

/// What one piece of work measured. Durations are wall-clock time.
struct PerfSample {
  std::chrono::nanoseconds walk{0};  ///< listing (and change detection)
  std::chrono::nanoseconds write{0}; ///< writing archives, or removing entries
  std::uint64_t bytes_in = 0;        ///< content bytes read
  std::uint64_t bytes_out = 0;       ///< bytes written
  std::uint64_t files = 0;           ///< non-directory entries handled
  std::uint64_t dirs = 0;            ///< directories handled
};

struct PerfRow {
  std::string stage; ///< the action, e.g. "collect"
  std::string name;  ///< the item or directory
  PerfSample sample;
};

/// Thread-safe. Rows keep the order in which they were first added.
class PerfRecorder {
public:
  /// Adds `sample` to the row (`stage`, `name`), creating it if new.
  void add(std::string_view stage, std::string_view name, const PerfSample& sample);
  /// Adds to the wall time of `stage` as a whole (its items may overlap in
  /// time, so the stage total is measured, not summed).
  void add_stage_wall(std::string_view stage, std::chrono::nanoseconds wall);

  [[nodiscard]] std::vector<PerfRow> rows() const;
  [[nodiscard]] bool empty() const;

  /// One table per stage, in first-seen order: a row per name with walk and
  /// write seconds, bytes in and out (IEC units), MiB/s (MiB in per write
  /// second) and the counts, then a total row whose write time is the
  /// stage's wall time and whose MiB/s is bytes in over it. Empty when
  /// nothing was recorded.
  [[nodiscard]] std::string format_table() const;

  /// The run in one line: "Run succeeded in 0:12: collect 49.00 MiB in
  /// 1234 files, stage 49.00 MiB in 3 files, purge" (`result` first, then
  /// each of `actions` with the bytes read and files handled of its rows,
  /// when it has any).
  [[nodiscard]] std::string summary(std::string_view result, std::chrono::nanoseconds elapsed,
                                    const std::vector<std::string>& actions) const;

private:
  struct StageWall {
    std::string stage;
    std::chrono::nanoseconds wall{0};
  };

  mutable std::mutex m_mutex;
  std::vector<PerfRow> m_rows;
  std::vector<StageWall> m_walls;
};

/// Measures wall time from construction.
class Stopwatch {
public:
  Stopwatch() : m_start(std::chrono::steady_clock::now()) {}
  [[nodiscard]] std::chrono::nanoseconds elapsed() const {
    return std::chrono::steady_clock::now() - m_start;
  }

private:
  std::chrono::steady_clock::time_point m_start;
};

} // namespace cback::core
