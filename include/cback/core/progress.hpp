#pragma once

// What a person sees of work in progress, and the one way cback shows a
// quantity of data (display_bytes, IEC units).
//
// ProgressBoard is the run's terminal: each running job (an archive of
// collect, a peer of stage, the image of store) has one line showing its
// bytes, rate, share and time left. On a terminal the lines are redrawn in
// place at most a few times a second, and a log line printed meanwhile
// clears them first and has them redrawn after (Logger::share_screen).
// Anywhere else (cron, a pipe) there are no control characters: each job
// sends a plain line to the log now and then. docs/ARCHITECTURE.md,
// "Progress", describes the layout.

#include <cback/core/clock.hpp>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace cback::core {

/// Bytes in IEC units, by the absolute value: "512 B", "1.50 KiB",
/// "3.25 MiB", "4.50 GiB", "1.20 TiB".
std::string display_bytes(double bytes);
template <std::integral T>
std::string display_bytes(T bytes) {
  return display_bytes(static_cast<double>(bytes));
}

/// A rate: display_bytes and "/s" ("1.50 MiB/s").
std::string display_rate(double bytes_per_second);

/// A duration to the second: "0:07", "12:05", "1:02:03".
std::string display_duration(std::chrono::duration<double> duration);

enum class ProgressDisplay {
  live,      ///< lines redrawn in place on a terminal
  log_lines, ///< a plain line now and then through the log sink
  off,       ///< nothing
};

struct ProgressSettings {
  ProgressDisplay display = ProgressDisplay::off;
  std::chrono::milliseconds redraw{250}; ///< live: at most one redraw in this time
  std::chrono::seconds log_every{60};    ///< log_lines: a job's line at most this often
  std::size_t columns = 80;              ///< live: lines are cut to fit this width
  Clock* clock = nullptr;                ///< nullptr: Clock::steady()
};

/// The width of the terminal on `fd`, or `fallback` when it is none.
std::size_t terminal_columns(int fd, std::size_t fallback);

class ProgressJob;

/// What becomes of a finished job's line on a terminal.
enum class FinalLine { drop, keep };

/// Thread-safe; jobs may be started, updated and finished from any thread.
class ProgressBoard {
public:
  using LogSink = std::function<void(const std::string&)>;

  /// Live lines and print() go to `screen`; in log_lines mode a job's
  /// periodic line goes to `log_line` (the run's log, at info). The board
  /// must outlive its jobs.
  ProgressBoard(std::ostream& screen, ProgressSettings settings, LogSink log_line = {});
  ~ProgressBoard();
  ProgressBoard(const ProgressBoard&) = delete;
  ProgressBoard& operator=(const ProgressBoard&) = delete;

  [[nodiscard]] ProgressDisplay display() const noexcept { return m_settings.display; }
  [[nodiscard]] bool live() const noexcept { return display() == ProgressDisplay::live; }

  /// A job called `name`; `total` bytes when known (0: unknown).
  [[nodiscard]] ProgressJob start(std::string name, std::uint64_t total = 0);

  /// In live mode, writes `line` and a newline above the job lines
  /// (clearing and redrawing them); otherwise drops it. The log's screen
  /// lines come through here while the board is shared with the log.
  void print(std::string_view line);

  /// The job's line as shown: "NAME: DONE of TOTAL (P%), RATE, ETA T,
  /// DETAIL", or "NAME: DONE, RATE, DETAIL" without a total. Public for
  /// the tests of its layout.
  [[nodiscard]] static std::string line_of(std::string_view name, std::uint64_t done,
                                           std::uint64_t total,
                                           std::chrono::duration<double> elapsed,
                                           std::string_view detail);

private:
  friend class ProgressJob;
  struct Job {
    std::string name;
    std::uint64_t total = 0;
    std::uint64_t done = 0;
    std::string detail;
    Clock::TimePoint started;
    Clock::TimePoint last_logged;
  };

  void set_total(std::uint64_t id, std::uint64_t total);
  void update(std::uint64_t id, std::uint64_t done, std::string_view detail);
  void finish(std::uint64_t id, FinalLine final_line);
  std::string text_of(const Job& job, Clock::TimePoint now) const;
  void clear_locked();
  /// Redraws the job lines, with `above` (a printed line) before them.
  void draw_locked(Clock::TimePoint now, std::optional<std::string_view> above);

  std::ostream& m_screen;
  ProgressSettings m_settings;
  Clock& m_clock;
  LogSink m_log_line;
  std::mutex m_mutex;
  std::map<std::uint64_t, Job> m_jobs; ///< by id: lines keep the order jobs started in
  std::uint64_t m_next_id = 1;
  std::size_t m_drawn = 0; ///< lines on the screen below the last printed line
  Clock::TimePoint m_last_draw{};
};

/// One job's line on a ProgressBoard. Move-only; used from one thread at a
/// time. A default-made job shows nothing. Finished when destroyed.
class ProgressJob {
public:
  ProgressJob() = default;
  ~ProgressJob();
  ProgressJob(ProgressJob&& other) noexcept;
  ProgressJob& operator=(ProgressJob&& other) noexcept;
  ProgressJob(const ProgressJob&) = delete;
  ProgressJob& operator=(const ProgressJob&) = delete;

  void set_total(std::uint64_t total);
  /// `done` bytes so far; `detail` follows the figures ("12 entries").
  void update(std::uint64_t done, std::string_view detail = {});
  /// Removes the job's line from the running ones; on a terminal, keep
  /// leaves its last state as an ordinary line.
  void finish(FinalLine final_line = FinalLine::drop);
  /// Whether the job has a line (started on a board that shows progress,
  /// and not finished).
  [[nodiscard]] bool active() const noexcept { return m_board != nullptr; }

private:
  friend class ProgressBoard;
  ProgressJob(ProgressBoard* board, std::uint64_t id) : m_board(board), m_id(id) {}

  ProgressBoard* m_board = nullptr;
  std::uint64_t m_id = 0;
};

} // namespace cback::core
