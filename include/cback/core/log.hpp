#pragma once

// The run's logging, as in the original (docs/compatibility.md, "Logging"): a flow log (file +
// screen, with the level matrix of -b/-q/-d) and an output log that records
// external commands and their output only with -O or -d. Both write to the
// same logfile through one sink, so their lines keep their order. Messages
// from several threads never interleave within a line.
//
// Logfile line: `2026-11-27T10:58:42 UTC --> [INFO   ] message` (local time,
// zone abbreviation, level padded to 7). Screen line: the message only.
// Output-log line: the raw command line, no timestamp.

#include <fmt/format.h>

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace cback::core {

class ProgressBoard;

enum class LogLevel { debug, info, warning, error, critical };

struct LogSettings {
  std::filesystem::path logfile = "/var/log/cback.log";
  std::string owner_user = "root"; ///< used only when the logfile is created
  std::string owner_group = "adm";
  mode_t mode = 0640;   ///< used only when the logfile is created
  bool verbose = false; ///< -b
  bool quiet = false;   ///< -q (wins over -b)
  bool debug = false;   ///< -d (implies output)
  bool output = false;  ///< -O
  /// Where screen lines go; nullptr = stdout. Tests pass a stringstream.
  /// The stream must outlive the Logger (or the next configure()).
  std::ostream* screen = nullptr;
};

/// Where each kind of line goes for given settings (docs/compatibility.md, "Logging").
struct LogLevels {
  LogLevel file = LogLevel::info;
  LogLevel screen = LogLevel::error;
  bool screen_off = false; ///< -q
  bool output = false;     ///< output log written
};
[[nodiscard]] LogLevels levels_for(const LogSettings& settings) noexcept;

class Logger {
public:
  /// A logger that writes ERROR+ (message only) to stderr; used before
  /// configure().
  Logger();
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  /// Opens the logfile for appending (creating it with settings.mode
  /// exactly, then chowning it to owner_user:owner_group; an existing file
  /// is left as it is) and sets the levels. A new logfile that cannot be
  /// given that owner (unknown user or group, failed chown as root) is kept
  /// and the problem is logged as an ERROR, as the original does.
  /// Throws cback::Error(ExitCode::logging, "Error setting up logging: ...")
  /// when the file cannot be opened. Not to be called while other threads log.
  void configure(const LogSettings& settings);

  void log(LogLevel level, std::string_view message);
  /// A line of the output log (raw, no timestamp); dropped unless -O/-d.
  void output(std::string_view line);
  [[nodiscard]] bool output_enabled() const noexcept;
  [[nodiscard]] bool debug_enabled() const noexcept;
  /// Whether a message at `level` reaches any destination.
  [[nodiscard]] bool enabled(LogLevel level) const noexcept;
  void flush();

  /// Sends the screen's lines through `board` (ProgressBoard::print), so
  /// that they never land among its progress lines; nullptr ends it. Use
  /// SharedScreen rather than calling this.
  void share_screen(ProgressBoard* board) noexcept;

  template <class... A>
  void debug(fmt::format_string<A...> f, A&&... a) {
    emit(LogLevel::debug, f, std::forward<A>(a)...);
  }
  template <class... A>
  void info(fmt::format_string<A...> f, A&&... a) {
    emit(LogLevel::info, f, std::forward<A>(a)...);
  }
  template <class... A>
  void warning(fmt::format_string<A...> f, A&&... a) {
    emit(LogLevel::warning, f, std::forward<A>(a)...);
  }
  template <class... A>
  void error(fmt::format_string<A...> f, A&&... a) {
    emit(LogLevel::error, f, std::forward<A>(a)...);
  }
  template <class... A>
  void critical(fmt::format_string<A...> f, A&&... a) {
    emit(LogLevel::critical, f, std::forward<A>(a)...);
  }

private:
  // Formatting is skipped for levels nobody receives (debug lines in a
  // normal run are the common case).
  template <class... A>
  void emit(LogLevel level, fmt::format_string<A...> f, A&&... a) {
    if (enabled(level)) {
      log(level, fmt::format(f, std::forward<A>(a)...));
    }
  }

  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// While it lives, the log's screen lines go through a progress board.
class SharedScreen {
public:
  SharedScreen(Logger& log, ProgressBoard& board) : m_log(log) { m_log.share_screen(&board); }
  ~SharedScreen() { m_log.share_screen(nullptr); }
  SharedScreen(const SharedScreen&) = delete;
  SharedScreen& operator=(const SharedScreen&) = delete;

private:
  Logger& m_log;
};

} // namespace cback::core
