#include <cback/cli/main.hpp>

#include <cback/cli/action_set.hpp>
#include <cback/cli/diagnostics.hpp>
#include <cback/cli/execute.hpp>
#include <cback/cli/options.hpp>
#include <cback/cli/program.hpp>
#include <cback/config/load.hpp>
#include <cback/config/outputs.hpp>
#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/lock.hpp>
#include <cback/core/log.hpp>
#include <cback/core/perf.hpp>
#include <cback/core/process.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/python_format.hpp>
#include <cback/core/stop.hpp>
#include <cback/io/run_backend.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <clocale>
#include <iostream>
#include <optional>
#include <unistd.h>

// The program reads as its stages: switches, logging, configuration and
// plan, then the actions. Each stage reports its own failures and yields
// the exit code of the man page; nothing here or below calls exit().

namespace cback::cli {
namespace {

int code_of(ExitCode code) {
  return static_cast<int>(code);
}

// What cback says of itself.
ProgramText program_text() {
  static const std::string usage = usage_text();
  static const std::string version = version_text();
  return ProgramText{usage, version, "Cedar Backup", "executing backup", "Backup interrupted."};
}

void log_start(core::Logger& log, const Options& options) {
  log.info("Logfile is [{}]", options.logfile);
  for (const auto& line : diagnostic_lines(diagnostic_values())) {
    log.info("{}", line);
  }
  log.info("Configuration path is [{}]", options.config);
}

void log_plan(core::Logger& log, const ActionPlan& plan) {
  const bool index = plan.order.mode == config::OrderMode::index;
  log.info("Action ordering will use '{}' order mode.", index ? "index" : "dependency");
  log.info("Action order will be: {}", core::python_list(plan.order.names));
  for (const auto& warning : plan.warnings) {
    log.warning("{}", warning);
  }
}

/// Stage 2: the configuration and the plan. Any problem is exit 4.
std::optional<int> load_and_plan(core::Logger& log, const Options& options, config::Config& config,
                                 ActionPlan& plan) {
  try {
    config = config::load(options.config);
    plan = plan_actions(options, config);
    log_plan(log, plan);
    return std::nullopt;
  } catch (const std::exception& error) {
    log_configuration_error(log, error);
  }
  return code_of(ExitCode::config);
}

core::PathResolver path_resolver(const config::Config& config) {
  std::map<std::string, std::string> overrides;
  if (config.options) {
    for (const auto& entry : config.options->overrides) {
      overrides[entry.command] = entry.abs_path;
    }
  }
  return core::PathResolver(std::move(overrides));
}

// Live lines on a terminal; elsewhere a job's line goes to the log now and
// then (docs/manual.md, "On a terminal").
// The actions the run got to: all of them, or those up to the one that
// failed.
std::vector<std::string> actions_run(const ActionPlan& plan, std::string_view failed) {
  std::vector<std::string> names;
  for (const auto& item : plan.items) {
    if (std::find(names.begin(), names.end(), item.name) == names.end()) {
      names.push_back(item.name);
    }
    if (item.name == failed) {
      break;
    }
  }
  return names;
}

std::string result_text(int code) {
  if (code == code_of(ExitCode::ok)) {
    return "succeeded";
  }
  if (code == code_of(ExitCode::interrupted)) {
    return "interrupted";
  }
  return fmt::format("failed (exit {})", code);
}

/// Stage 3: the actions, under the run lock (validate only reads, so it
/// takes none and may run beside a backup).
int run_actions(core::Logger& log, const Options& options, const config::Config& config,
                const ActionPlan& plan, core::StopFlag& stop) {
  core::CommandRunner runner(log, stop, path_resolver(config));
  core::PerfRecorder perf;
  const core::RunFlags flags = run_flags(options);
  const core::LazyOutputs outputs = config::lazy_outputs_of(config);
  io::RunBackend io(io_options(config), log);
  ProgressScreen screen(log, flags);
  core::ProgressBoard& progress = screen.board();
  Context context{flags, config, log, runner, stop, perf, outputs, io, progress};
  const core::Stopwatch watch;
  // The table comes at the end, also after a failed action: what was
  // measured up to the failure is still worth seeing. Then, on a terminal,
  // the run in one line.
  const auto finish = [&](int code) {
    if (options.perf && !perf.empty()) {
      std::cout << perf.format_table() << std::flush;
    }
    const bool ok = code == code_of(ExitCode::ok);
    progress.print(perf.summary(result_text(code), watch.elapsed(),
                                actions_run(plan, ok ? std::string_view() : context.action)));
    return code;
  };
  try {
    std::optional<core::RunLock> lock;
    const bool validate_only = options.actions == std::vector<std::string>{"validate"};
    if (!validate_only && config.options && config.options->working_dir) {
      lock.emplace(*config.options->working_dir);
    }
    execute(plan, context);
    return finish(code_of(ExitCode::ok));
  } catch (const Error& error) {
    return finish(report_error(log, options, program_text(), error));
  } catch (const std::exception& error) {
    log.error("Error executing backup: {}", error.what());
    return finish(code_of(ExitCode::action));
  }
}

int run(core::Logger& log, const Options& options, core::StopFlag& stop) {
  log_start(log, options);
  config::Config config;
  ActionPlan plan;
  if (const auto failed = load_and_plan(log, options, config, plan)) {
    return *failed;
  }
  return run_actions(log, options, config, plan, stop);
}

} // namespace

io::BackendOptions io_options(const config::Config& config) {
  io::BackendOptions options;
  if (config.collect) {
    switch (config.collect->io_backend) {
    case config::IoBackend::automatic:
      options.preference = io::Preference::automatic;
      break;
    case config::IoBackend::uring:
      options.preference = io::Preference::uring;
      break;
    case config::IoBackend::posix:
      options.preference = io::Preference::posix;
      break;
    }
  }
  return options;
}

int main(int argc, char** argv) {
  Options options;
  const auto no_own_switches = [](std::vector<std::string>&) {};
  const auto anything = [](Options&) {};
  if (const auto done =
          parse_program(argc, argv, program_text(), options, no_own_switches, anything)) {
    return *done;
  }
  return run_program(options, program_text(), [&](core::Logger& log, core::StopFlag& stop) {
    return run(log, options, stop);
  });
}

} // namespace cback::cli
