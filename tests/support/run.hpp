#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace cback::test {

struct RunResult {
  int exit_code = -1; ///< exit status, or 128+signal when killed
  std::string out;    ///< stdout
  std::string err;    ///< stderr
};

struct RunOptions {
  std::optional<std::filesystem::path> cwd;
  std::vector<std::string> env; ///< NAME=VALUE entries, over the inherited ones (first wins)
  /// Send this signal after `signal_after` (0 = never).
  int signal = 0;
  std::chrono::milliseconds signal_after{0};
  /// Send the signal once this file exists (checked every 20 ms), instead
  /// of after a fixed delay; a bound of 30 s applies.
  std::optional<std::filesystem::path> signal_when_exists;
  /// Send the signal once this returns true (checked every 20 ms), instead
  /// of after a fixed delay; a bound of 30 s applies.
  std::function<bool()> signal_when;
  std::chrono::seconds timeout{60};
};

/// Runs a program with argv (no shell), capturing stdout and stderr.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

/// Runs `argv` as run() does, but on a pseudo-terminal of 100 columns: its
/// stdout and stderr are the terminal (so `out` holds both, with the
/// terminal's \r\n line ends); only cwd and env of `options` apply.
RunResult run_on_terminal(const std::vector<std::string>& argv, const RunOptions& options = {});

/// Starts `argv` (no shell) with `env` (NAME=VALUE entries, which win over
/// the inherited environment), stdout and stderr to /dev/null, and returns
/// its pid at once: for tests that stop the program at a moment of their
/// choosing. Throws std::runtime_error when it cannot be started.
pid_t spawn_quiet(std::vector<std::string> argv, std::vector<std::string> env);

/// The cback binary under test (set by CMake).
std::string cback_binary();
/// The cback-config binary under test (set by CMake).
std::string cback_config_binary();
/// A program built from src/tools (e.g. "cback-span"), next to cback.
std::string tool_binary(std::string_view name);

} // namespace cback::test
