#pragma once

// The run's logging, as in the original (reference §10): a flow log (file +
// screen, with the level matrix of -b/-q/-d) and an output log that records
// external commands and their output only with -O or -d. Messages from
// several threads never interleave within a line.

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace spdlog {
class logger;
}

namespace cback::core {

enum class LogLevel { debug, info, warning, error, critical };

struct LogSettings {
  std::filesystem::path logfile = "/var/log/cback.log";
  std::string owner_user = "root"; ///< used only when the logfile is created
  std::string owner_group = "adm";
  mode_t mode = 0640;              ///< used only when the logfile is created
  bool verbose = false;            ///< -b
  bool quiet = false;              ///< -q (wins over -b)
  bool debug = false;              ///< -d (implies output)
  bool output = false;             ///< -O
};

class Logger {
public:
  /// A logger that writes errors to stderr only; used before configure().
  Logger();
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  /// Opens (creating with owner/mode if absent) the logfile and sets the
  /// levels. Throws cback::Error(ExitCode::logging) when that fails.
  void configure(const LogSettings& settings);

  void log(LogLevel level, std::string_view message);
  /// A line of the output log (raw, no timestamp); dropped unless -O/-d.
  void output(std::string_view line);
  [[nodiscard]] bool output_enabled() const noexcept;
  [[nodiscard]] bool debug_enabled() const noexcept;
  void flush();

  template <class... A> void debug(fmt::format_string<A...> f, A&&... a) {
    log(LogLevel::debug, fmt::format(f, std::forward<A>(a)...));
  }
  template <class... A> void info(fmt::format_string<A...> f, A&&... a) {
    log(LogLevel::info, fmt::format(f, std::forward<A>(a)...));
  }
  template <class... A> void warning(fmt::format_string<A...> f, A&&... a) {
    log(LogLevel::warning, fmt::format(f, std::forward<A>(a)...));
  }
  template <class... A> void error(fmt::format_string<A...> f, A&&... a) {
    log(LogLevel::error, fmt::format(f, std::forward<A>(a)...));
  }

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace cback::core
