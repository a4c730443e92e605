#include <cback/core/perf.hpp>

#include <cback/core/progress.hpp>

#include <algorithm>

#include <fmt/format.h>

namespace cback::core {

namespace {

constexpr double k_mib = 1024.0 * 1024.0;

double seconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

std::string rate(std::uint64_t bytes, std::chrono::nanoseconds duration) {
  if (duration.count() <= 0) {
    return "-";
  }
  return fmt::format("{:.1f}", static_cast<double>(bytes) / k_mib / seconds(duration));
}

void add_to(PerfSample& total, const PerfSample& sample) {
  total.walk += sample.walk;
  total.write += sample.write;
  total.bytes_in += sample.bytes_in;
  total.bytes_out += sample.bytes_out;
  total.files += sample.files;
  total.dirs += sample.dirs;
}

std::string format_row(std::string_view name, std::size_t width, const PerfSample& sample,
                       std::chrono::nanoseconds rate_time) {
  return fmt::format("{:<{}}  {:>8.3f}  {:>8.3f}  {:>12}  {:>12}  {:>8}  {:>8}  {:>6}\n", name,
                     width, seconds(sample.walk), seconds(sample.write),
                     display_bytes(sample.bytes_in), display_bytes(sample.bytes_out),
                     rate(sample.bytes_in, rate_time), sample.files, sample.dirs);
}

std::string format_stage(std::string_view stage, const std::vector<PerfRow>& rows,
                         std::chrono::nanoseconds wall) {
  std::size_t width = 5; // "total"
  for (const auto& row : rows) {
    if (row.stage == stage) {
      width = std::max(width, row.name.size());
    }
  }
  std::string out = fmt::format("Performance of {}:\n", stage);
  out += fmt::format("{:<{}}  {:>8}  {:>8}  {:>12}  {:>12}  {:>8}  {:>8}  {:>6}\n", "name", width,
                     "walk s", "write s", "in", "out", "MiB/s", "files", "dirs");
  PerfSample total;
  for (const auto& row : rows) {
    if (row.stage == stage) {
      out += format_row(row.name, width, row.sample, row.sample.write);
      add_to(total, row.sample);
    }
  }
  // The total's time columns: the summed walk, and the stage's wall time
  // (items overlap, so the summed write time would overstate it).
  total.write = wall.count() > 0 ? wall : total.write;
  out += format_row("total", width, total, total.write);
  return out;
}

} // namespace

void PerfRecorder::add(std::string_view stage, std::string_view name, const PerfSample& sample) {
  const std::lock_guard lock(m_mutex);
  const auto found = std::find_if(m_rows.begin(), m_rows.end(), [&](const PerfRow& row) {
    return row.stage == stage && row.name == name;
  });
  if (found != m_rows.end()) {
    add_to(found->sample, sample);
  } else {
    m_rows.push_back(PerfRow{std::string(stage), std::string(name), sample});
  }
}

void PerfRecorder::add_stage_wall(std::string_view stage, std::chrono::nanoseconds wall) {
  const std::lock_guard lock(m_mutex);
  const auto found = std::find_if(m_walls.begin(), m_walls.end(),
                                  [&](const StageWall& entry) { return entry.stage == stage; });
  if (found != m_walls.end()) {
    found->wall += wall;
  } else {
    m_walls.push_back(StageWall{std::string(stage), wall});
  }
}

std::vector<PerfRow> PerfRecorder::rows() const {
  const std::lock_guard lock(m_mutex);
  return m_rows;
}

bool PerfRecorder::empty() const {
  const std::lock_guard lock(m_mutex);
  return m_rows.empty();
}

std::string PerfRecorder::format_table() const {
  const std::lock_guard lock(m_mutex);
  std::vector<std::string> stages;
  for (const auto& row : m_rows) {
    if (std::find(stages.begin(), stages.end(), row.stage) == stages.end()) {
      stages.push_back(row.stage);
    }
  }
  std::string out;
  for (const auto& stage : stages) {
    const auto wall = std::find_if(m_walls.begin(), m_walls.end(),
                                   [&](const StageWall& entry) { return entry.stage == stage; });
    out += format_stage(stage, m_rows,
                        wall != m_walls.end() ? wall->wall : std::chrono::nanoseconds{0});
  }
  return out;
}

std::string PerfRecorder::summary(std::string_view result, std::chrono::nanoseconds elapsed,
                                  const std::vector<std::string>& actions) const {
  const std::lock_guard lock(m_mutex);
  std::string line = fmt::format("Run {} in {}", result, display_duration(elapsed));
  const char* separator = ": ";
  for (const auto& action : actions) {
    PerfSample total;
    bool recorded = false;
    for (const auto& row : m_rows) {
      if (row.stage == action) {
        add_to(total, row.sample);
        recorded = true;
      }
    }
    line += separator + action;
    if (recorded) {
      line += fmt::format(" {} in {} files", display_bytes(total.bytes_in), total.files);
    }
    separator = ", ";
  }
  return line;
}

} // namespace cback::core
