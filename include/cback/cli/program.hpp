#pragma once

// The frame every cback program shares (cback, cback-span, cback-restore,
// cback-amazons3-sync): cback's common switches after the program's own are
// taken out, -h/-V/-D answered before any logging, a usage error printed
// after the usage text, the log set up from the switches, start and end
// lines in it, the stop handlers, one report of an error that ends the run,
// the configuration loaded with each of its problems logged, and the run's
// progress board.

#include <cback/cli/options.hpp>
#include <cback/config/model.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/stop.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cback::cli {

/// What a program says of itself.
struct ProgramText {
  std::string_view usage;       ///< for -h (on stderr, as the original) and before a usage error
  std::string_view version;     ///< the -V block
  std::string_view name;        ///< the log's "<name> run started." and "... completed" lines
  std::string_view doing;       ///< "Error <doing>: <message>" when the run fails
  std::string_view interrupted; ///< logged instead when a signal stopped the run
};

/// cback::Error(ExitCode::usage) with the message.
Error usage_error(const std::string& message);

/// Parses the command line: `take_own` takes the program's own switches out
/// of the arguments, the rest are cback's (cli::parse_options), and `check`
/// may refuse what was given (throwing usage_error). Answers -h, -V and -D.
/// Returns the exit status when the program is done, nothing when it is to
/// run with `options`.
std::optional<int> parse_program(int argc, char** argv, const ProgramText& text, Options& options,
                                 const std::function<void(std::vector<std::string>&)>& take_own,
                                 const std::function<void(Options&)>& check);

/// The body of a run and the stop flag its signal handlers set.
using ProgramBody = std::function<int(core::Logger& log, core::StopFlag& stop)>;

/// Sets up the log from the switches (exit 3 when it cannot), logs the
/// start and the switches, installs the stop handlers, runs `body`, reports
/// an error it throws (the stack too under -s; the exit code is the
/// error's), logs the end with the exit status and returns it.
int run_program(const Options& options, const ProgramText& text, const ProgramBody& body);

/// Reports the error that ended a run: a usage error after the usage text
/// on stderr, else in the log ("Error <doing>: ...", the interruption, or
/// the configuration's problem) and the stack under -s;
/// returns the error's exit code.
int report_error(core::Logger& log, const Options& options, const ProgramText& text,
                 const Error& error);

/// Logs why a configuration could not be loaded: each problem of a
/// config::InvalidConfig ("Error reading or handling configuration: ...",
/// with their count first when there are several), or the error's message.
void log_configuration_error(core::Logger& log, const std::exception& error);

/// Loads the configuration at `path`; each problem is logged ("Error
/// reading or handling configuration: ...") and nothing returned when it is
/// invalid or unreadable.
std::optional<config::Config> load_configuration(core::Logger& log, const std::string& path);

/// The run's progress board on stdout: lines redrawn in place when the
/// switches ask for progress (not quiet, stdout a terminal), sharing the
/// terminal with the log while it lives; otherwise a job's line goes to the
/// log (INFO) now and then.
class ProgressScreen {
public:
  ProgressScreen(core::Logger& log, const core::RunFlags& flags);
  ProgressScreen(const ProgressScreen&) = delete;
  ProgressScreen& operator=(const ProgressScreen&) = delete;

  [[nodiscard]] core::ProgressBoard& board() noexcept { return m_board; }

private:
  core::ProgressBoard m_board;
  std::optional<core::SharedScreen> m_shared;
};

} // namespace cback::cli
