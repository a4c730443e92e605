#include <cback/extend/python_bridge.hpp>

#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/process.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <system_error>

namespace fs = std::filesystem;

namespace cback::extend {
namespace {

struct LevelTag {
  std::string_view tag;
  core::LogLevel level;
};

// The bridge's prefix of a logged line (python_bridge.py).
constexpr std::array k_level_tags{
    LevelTag{"@@DEBUG@@ ", core::LogLevel::debug},
    LevelTag{"@@INFO@@ ", core::LogLevel::info},
    LevelTag{"@@WARNING@@ ", core::LogLevel::warning},
    LevelTag{"@@ERROR@@ ", core::LogLevel::error},
    LevelTag{"@@CRITICAL@@ ", core::LogLevel::critical},
};

struct BridgeLine {
  core::LogLevel level;
  std::string_view text;
};

// A line the module printed (no tag) is INFO, as the command extension's.
BridgeLine parse_line(std::string_view line) {
  for (const auto& tag : k_level_tags) {
    if (line.starts_with(tag.tag)) {
      return {tag.level, line.substr(tag.tag.size())};
    }
  }
  return {core::LogLevel::info, line};
}

std::string function_name(const config::ExtendedAction& action) {
  return fmt::format("{}.{}", action.module.value_or(""), action.function.value_or(""));
}

const config::ExtendedAction& configured_action(const Context& context) {
  if (context.config.extensions) {
    for (const auto& action : context.config.extensions->actions) {
      if (action.name == context.action && is_site_module(action)) {
        return action;
      }
    }
  }
  throw Error(ExitCode::action,
              fmt::format("Extended action [{}] names no Python module to run.", context.action));
}

fs::path running_program() {
  std::error_code error;
  fs::path program = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path() : program;
}

// Logs what the bridge printed (at DEBUG in check mode, whose failure the
// caller reports); returns the last ERROR or CRITICAL line, the reason a
// failure is reported with.
std::string log_output(Context& context, const config::ExtendedAction& action,
                       const core::CommandResult& result, BridgeMode mode) {
  std::string reason;
  for (const auto& line : result.output) {
    const BridgeLine parsed = parse_line(line);
    const auto level = mode == BridgeMode::check ? core::LogLevel::debug : parsed.level;
    context.log.log(level, fmt::format("[{}] {}", action.name, parsed.text));
    if (parsed.level >= core::LogLevel::error) {
      reason = parsed.text;
    }
  }
  return reason;
}

// Runs the bridge; the reason it failed, or std::nullopt when it exited 0.
std::optional<std::string> run_bridge(Context& context, const config::ExtendedAction& action,
                                      BridgeMode mode) {
  const auto script = bridge_script();
  if (!script) {
    return fmt::format("the bridge to Cedar Backup 3 (python-bridge, installed with cback in "
                       "libexec/cback) is missing next to [{}]",
                       running_program().string());
  }
  core::CommandRequest request;
  request.argv = bridge_argv(context, action, *script, mode);
  request.capture = core::Capture::all;
  const auto result = context.runner.run(request);
  std::string reason = log_output(context, action, result, mode);
  if (result.exit_status == 0) {
    return std::nullopt;
  }
  if (reason.empty()) {
    reason = result.tail.empty() ? fmt::format("exit status {}", result.exit_status)
                                 : fmt::format("exit status {}: {}", result.exit_status,
                                               fmt::join(result.tail, " | "));
  }
  return reason;
}

} // namespace

bool is_site_module(const config::ExtendedAction& action) {
  if (action.command || !action.module) {
    return false;
  }
  for (std::string_view prefix : {"CedarBackup3.extend.", "CedarBackup2.extend."}) {
    if (action.module->starts_with(prefix)) {
      return false;
    }
  }
  return true;
}

fs::path cedar_library_dir() {
  const char* dir = std::getenv(k_cedar_library_env);
  return dir != nullptr && *dir != '\0' ? fs::path(dir) : fs::path(k_cedar_library_dir);
}

std::optional<std::string> bridge_unavailable() {
  if (::access(k_bridge_python, X_OK) != 0) {
    return fmt::format("no {}", k_bridge_python);
  }
  const fs::path package = cedar_library_dir() / "CedarBackup3";
  std::error_code error;
  if (!fs::is_regular_file(package / "config.py", error) ||
      !fs::is_regular_file(package / "cli.py", error)) {
    return fmt::format("no package {}", package.string());
  }
  return std::nullopt;
}

std::optional<fs::path> bridge_script() {
  const fs::path program = running_program();
  if (program.empty()) {
    return std::nullopt;
  }
  const fs::path dir = program.parent_path();
  for (const fs::path& candidate :
       {dir / "python-bridge", dir.parent_path() / "libexec" / "cback" / "python-bridge"}) {
    std::error_code error;
    if (fs::is_regular_file(candidate, error)) {
      return candidate;
    }
  }
  return std::nullopt;
}

std::vector<std::string> bridge_argv(const Context& context, const config::ExtendedAction& action,
                                     const fs::path& script, BridgeMode mode) {
  std::vector<std::string> argv{k_bridge_python, script.string(),
                                "--library",     cedar_library_dir().string(),
                                "--config",      context.config.path,
                                "--action",      action.name,
                                "--module",      action.module.value_or(""),
                                "--function",    action.function.value_or("")};
  const std::array<std::pair<bool, const char*>, 6> switches{{
      {mode == BridgeMode::check, "--check"},
      {context.flags.full == core::Full::yes, "--full"},
      {context.flags.verbose, "--verbose"},
      {context.flags.quiet, "--quiet"},
      {context.log.debug_enabled(), "--debug"},
      {context.log.output_enabled(), "--output"},
  }};
  for (const auto& [set, name] : switches) {
    if (set) {
      argv.emplace_back(name);
    }
  }
  return argv;
}

void run_python_bridge(Context& context) {
  const auto& action = configured_action(context);
  if (const auto failure = run_bridge(context, action, BridgeMode::run)) {
    throw Error(ExitCode::action, fmt::format("Extended action [{}]: function [{}] failed: {}",
                                              action.name, function_name(action), *failure));
  }
  context.log.info("Executed extended action [{}] successfully.", action.name);
}

std::optional<std::string> check_site_module(Context& context,
                                             const config::ExtendedAction& action) {
  if (const auto unavailable = bridge_unavailable()) {
    return fmt::format("Extended action [{}]: function [{}] cannot run without Cedar Backup 3's "
                       "Python library ({}).",
                       action.name, function_name(action), *unavailable);
  }
  if (const auto failure = run_bridge(context, action, BridgeMode::check)) {
    return fmt::format("Extended action [{}]: function [{}]: {}", action.name,
                       function_name(action), *failure);
  }
  return std::nullopt;
}

} // namespace cback::extend
