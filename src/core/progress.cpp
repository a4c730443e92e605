#include <cback/core/progress.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sys/ioctl.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

namespace cback::core {
namespace {

// The first `columns` characters of `text` (UTF-8: a character is a lead
// byte and its continuation bytes), so that a job line never wraps and the
// count of lines to redraw stays right.
std::string fit(const std::string& text, std::size_t columns) {
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool continuation = (static_cast<unsigned char>(text[i]) & 0xC0U) == 0x80U;
    if (!continuation && ++characters > columns) {
      return text.substr(0, i);
    }
  }
  return text;
}

// Moves the cursor up to the first job line drawn, at its first column.
std::string cursor_to_first_line(std::size_t drawn) {
  return drawn > 0 ? fmt::format("\r\x1b[{}A", drawn) : std::string();
}

// Erases from the cursor to the end of the line, and of the screen.
constexpr std::string_view k_erase_line = "\x1b[K";
constexpr std::string_view k_erase_below = "\x1b[J";

} // namespace

std::string display_bytes(double bytes) {
  constexpr double k_kib = 1024.0;
  const double size = std::fabs(bytes);
  if (size < k_kib) {
    return fmt::format("{:.0f} B", bytes);
  }
  if (size < k_kib * k_kib) {
    return fmt::format("{:.2f} KiB", bytes / k_kib);
  }
  if (size < k_kib * k_kib * k_kib) {
    return fmt::format("{:.2f} MiB", bytes / (k_kib * k_kib));
  }
  if (size < k_kib * k_kib * k_kib * k_kib) {
    return fmt::format("{:.2f} GiB", bytes / (k_kib * k_kib * k_kib));
  }
  return fmt::format("{:.2f} TiB", bytes / (k_kib * k_kib * k_kib * k_kib));
}

std::string display_rate(double bytes_per_second) {
  return display_bytes(bytes_per_second) + "/s";
}

std::string display_duration(std::chrono::duration<double> duration) {
  const auto total = static_cast<std::int64_t>(std::llround(std::max(0.0, duration.count())));
  const auto hours = total / 3600;
  const auto minutes = total / 60 % 60;
  const auto seconds = total % 60;
  if (hours > 0) {
    return fmt::format("{}:{:02}:{:02}", hours, minutes, seconds);
  }
  return fmt::format("{}:{:02}", minutes, seconds);
}

std::size_t terminal_columns(int fd, std::size_t fallback) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return fallback;
}

ProgressBoard::ProgressBoard(std::ostream& screen, ProgressSettings settings, LogSink log_line)
    : m_screen(screen), m_settings(settings),
      m_clock(settings.clock != nullptr ? *settings.clock : Clock::steady()),
      m_log_line(std::move(log_line)) {}

ProgressBoard::~ProgressBoard() {
  const std::lock_guard lock(m_mutex);
  clear_locked();
}

ProgressJob ProgressBoard::start(std::string name, std::uint64_t total) {
  if (display() == ProgressDisplay::off) {
    return {};
  }
  const std::lock_guard lock(m_mutex);
  const auto now = m_clock.now();
  const std::uint64_t id = m_next_id++;
  m_jobs.emplace(id, Job{std::move(name), total, 0, {}, now, now});
  if (live()) {
    draw_locked(now, std::nullopt);
  }
  return ProgressJob(this, id);
}

void ProgressBoard::print(std::string_view line) {
  if (!live()) {
    return;
  }
  const std::lock_guard lock(m_mutex);
  draw_locked(m_clock.now(), line);
}

std::string ProgressBoard::line_of(std::string_view name, std::uint64_t done, std::uint64_t total,
                                   std::chrono::duration<double> elapsed, std::string_view detail) {
  std::string line = fmt::format("{}: {}", name, display_bytes(done));
  if (total > 0) {
    line += fmt::format(" of {} ({}%)", display_bytes(total), std::min(done, total) * 100 / total);
  }
  const double seconds = elapsed.count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  if (rate > 0) {
    line += ", " + display_rate(rate);
  }
  if (total > done && rate > 0) {
    line += ", ETA " + display_duration(
                           std::chrono::duration<double>(static_cast<double>(total - done) / rate));
  }
  if (!detail.empty()) {
    line += fmt::format(", {}", detail);
  }
  return line;
}

void ProgressBoard::set_total(std::uint64_t id, std::uint64_t total) {
  const std::lock_guard lock(m_mutex);
  m_jobs.at(id).total = total;
}

void ProgressBoard::update(std::uint64_t id, std::uint64_t done, std::string_view detail) {
  std::string logged;
  {
    const std::lock_guard lock(m_mutex);
    Job& job = m_jobs.at(id);
    // A job's first detail is shown at once: the line drawn at its start
    // has none, and a short job may end before the next redraw.
    const bool first_detail = job.detail.empty() && !detail.empty();
    job.done = done;
    job.detail = detail;
    const auto now = m_clock.now();
    if (live()) {
      if (first_detail || now - m_last_draw >= m_settings.redraw) {
        draw_locked(now, std::nullopt);
      }
    } else if (now - job.last_logged >= m_settings.log_every) {
      job.last_logged = now;
      logged = text_of(job, now);
    }
  }
  // Outside the lock: the log may write to the screen, which may come
  // back here (print).
  if (!logged.empty() && m_log_line) {
    m_log_line(logged);
  }
}

void ProgressBoard::finish(std::uint64_t id, FinalLine final_line) {
  const std::lock_guard lock(m_mutex);
  const auto found = m_jobs.find(id);
  if (found == m_jobs.end()) {
    return;
  }
  const auto now = m_clock.now();
  const std::string last = final_line == FinalLine::keep ? text_of(found->second, now) : "";
  m_jobs.erase(found);
  if (live()) {
    draw_locked(now, last.empty() ? std::nullopt : std::optional<std::string_view>(last));
  }
}

std::string ProgressBoard::text_of(const Job& job, Clock::TimePoint now) const {
  return line_of(job.name, job.done, job.total, now - job.started, job.detail);
}

void ProgressBoard::clear_locked() {
  if (m_drawn > 0) {
    m_screen << cursor_to_first_line(m_drawn) << k_erase_below << std::flush;
    m_drawn = 0;
  }
}

// One write per redraw: the lines are overwritten in place (each erased
// to its end) rather than cleared first, so that they do not flicker.
void ProgressBoard::draw_locked(Clock::TimePoint now, std::optional<std::string_view> above) {
  std::string out = cursor_to_first_line(m_drawn);
  if (above) {
    out += *above;
    out += k_erase_line;
    out += '\n';
  }
  // One column is left free: a line that fills the last column wraps on
  // some terminals.
  const std::size_t width = std::max<std::size_t>(m_settings.columns, 2) - 1;
  for (const auto& [id, job] : m_jobs) {
    out += fit(text_of(job, now), width);
    out += k_erase_line;
    out += '\n';
  }
  out += k_erase_below;
  m_screen << out << std::flush;
  m_drawn = m_jobs.size();
  m_last_draw = now;
}

ProgressJob::~ProgressJob() {
  finish();
}

ProgressJob::ProgressJob(ProgressJob&& other) noexcept
    : m_board(std::exchange(other.m_board, nullptr)), m_id(other.m_id) {}

ProgressJob& ProgressJob::operator=(ProgressJob&& other) noexcept {
  if (this != &other) {
    finish();
    m_board = std::exchange(other.m_board, nullptr);
    m_id = other.m_id;
  }
  return *this;
}

void ProgressJob::set_total(std::uint64_t total) {
  if (m_board != nullptr) {
    m_board->set_total(m_id, total);
  }
}

void ProgressJob::update(std::uint64_t done, std::string_view detail) {
  if (m_board != nullptr) {
    m_board->update(m_id, done, detail);
  }
}

void ProgressJob::finish(FinalLine final_line) {
  if (m_board != nullptr) {
    std::exchange(m_board, nullptr)->finish(m_id, final_line);
  }
}

} // namespace cback::core
