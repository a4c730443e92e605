#include <cback/cli/program.hpp>

#include <cback/cli/diagnostics.hpp>
#include <cback/config/load.hpp>

#include <unistd.h>

#include <clocale>
#include <iostream>

namespace cback::cli {

namespace {

int status_of(ExitCode code) {
  return static_cast<int>(code);
}

} // namespace

Error usage_error(const std::string& message) {
  return Error(ExitCode::usage, message);
}

std::optional<int> parse_program(int argc, char** argv, const ProgramText& text, Options& options,
                                 const std::function<void(std::vector<std::string>&)>& take_own,
                                 const std::function<void(Options&)>& check) {
  std::setlocale(LC_CTYPE, ""); // UTF-8 names in archives and logs
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    take_own(args);
    options = parse_options(args);
    check(options);
  } catch (const Error& error) {
    std::cerr << text.usage << " *** Error: " << error.what() << "\n";
    return status_of(ExitCode::usage);
  }
  if (options.help) {
    std::cerr << text.usage; // stderr, as the original
    return status_of(ExitCode::ok);
  }
  if (options.version) {
    std::cout << text.version;
    return status_of(ExitCode::ok);
  }
  if (options.diagnostics) {
    std::cout << diagnostics_block(diagnostic_values());
    return status_of(ExitCode::ok);
  }
  return std::nullopt;
}

int report_error(core::Logger& log, const Options& options, const ProgramText& text,
                 const Error& error) {
  std::cout.flush(); // what the run printed comes before the error
  switch (error.code()) {
  case ExitCode::usage: // found once the run began (a bad date, an unknown command)
    std::cerr << text.usage << " *** Error: " << error.what() << "\n";
    break;
  case ExitCode::interrupted:
    log.error("{}", text.interrupted);
    break;
  case ExitCode::config:
    log.error("Error reading or handling configuration: {}", error.what());
    break;
  default:
    log.error("Error {}: {}", text.doing, error.what());
  }
  if (options.stack) {
    report_stack(log, error);
  }
  return status_of(error.code());
}

int run_program(const Options& options, const ProgramText& text, const ProgramBody& body) {
  core::Logger log;
  try {
    log.configure(log_settings(options));
  } catch (const std::exception& error) {
    // The logger's own messages may already say what failed.
    const std::string_view message = error.what();
    constexpr std::string_view k_prefix = "Error setting up logging: ";
    std::cerr << (message.starts_with(k_prefix) ? "" : k_prefix) << message << "\n";
    return status_of(ExitCode::logging);
  }
  log.info("{} run started.", text.name);
  log.info("Options were [{}]", argument_string(options));
  // The flag outlives everything that may see a signal; the handlers are
  // removed before it goes.
  core::StopFlag stop;
  core::install_stop_handlers(stop);
  int status = status_of(ExitCode::ok);
  try {
    status = body(log, stop);
    std::cout.flush();
  } catch (const Error& error) {
    status = report_error(log, options, text, error);
  } catch (const std::exception& error) {
    std::cout.flush();
    log.error("Error {}: {}", text.doing, error.what());
    status = status_of(ExitCode::action);
  }
  log.info("{} run completed with status {}.", text.name, status);
  log.flush();
  core::remove_stop_handlers();
  return status;
}

void log_configuration_error(core::Logger& log, const std::exception& error) {
  const auto* invalid = dynamic_cast<const config::InvalidConfig*>(&error);
  if (invalid == nullptr) {
    log.error("Error reading or handling configuration: {}", error.what());
    return;
  }
  const auto& problems = invalid->problems();
  if (problems.size() == 1) {
    log.error("Error reading or handling configuration: {}", problems.front().str());
    return;
  }
  log.error("Error reading or handling configuration: {} problems:", problems.size());
  for (const auto& problem : problems) {
    log.error("{}", problem.str());
  }
}

std::optional<config::Config> load_configuration(core::Logger& log, const std::string& path) {
  log.info("Configuration path is [{}]", path);
  try {
    return config::load(path);
  } catch (const std::exception& error) {
    log_configuration_error(log, error);
  }
  return std::nullopt;
}

namespace {

core::ProgressSettings progress_settings(const core::RunFlags& flags) {
  core::ProgressSettings settings;
  settings.display =
      flags.progress ? core::ProgressDisplay::live : core::ProgressDisplay::log_lines;
  settings.columns = core::terminal_columns(STDOUT_FILENO, settings.columns);
  return settings;
}

} // namespace

ProgressScreen::ProgressScreen(core::Logger& log, const core::RunFlags& flags)
    : m_board(std::cout, progress_settings(flags),
              [&log](const std::string& line) { log.info("{}", line); }) {
  if (m_board.live()) {
    m_shared.emplace(log, m_board);
  }
}

} // namespace cback::cli
