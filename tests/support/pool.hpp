#pragma once

// How the integration tests configure and run the real binaries: a pool (a
// temporary directory with a configuration in it and a log next to it), the
// TOML head every test configuration starts with, and the command line
// `cback -c CONFIG -l LOG ...`. The per-area pools (CollectPool, StorePool,
// the stage and extension tests' pools) build on these.

#include "support/config_text.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cback::test {

using Args = std::vector<std::string>;

/// The head of a TOML test configuration: a [reference] table and the
/// [options] table of options_table(working_dir, options_extra).
inline constexpr const char* k_reference_table = "[reference]\nauthor = \"tests\"\n\n";

inline std::string toml_head(const std::filesystem::path& working_dir,
                             std::string_view options_extra = "") {
  return k_reference_table + options_table(working_dir, options_extra);
}

/// `program -c config -l log arguments...`; program is the cback under test
/// unless given (cback3, a tool).
inline Args cback_command(const std::filesystem::path& config, const std::filesystem::path& log,
                          const Args& arguments, const std::string& program = cback_binary()) {
  Args argv{program, "-c", config.string(), "-l", log.string()};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return argv;
}

/// A temporary directory holding one test's configuration (written by
/// configure()) and its log, dir/cback.log.
struct Pool {
  TempDir dir;
  std::filesystem::path config; ///< empty until configure()

  /// Creates dir/name (and its parents) and returns it.
  std::filesystem::path make_dir(const std::string& name) const {
    std::filesystem::create_directories(dir / name);
    return dir / name;
  }

  /// Writes `text` to dir/name and makes it the configuration.
  const std::filesystem::path& configure(const std::string& text,
                                         const std::string& name = "cback.toml") {
    config = dir.write(name, text);
    return config;
  }

  [[nodiscard]] std::filesystem::path log_file() const { return dir / "cback.log"; }

  /// What the runs logged; empty before the first.
  [[nodiscard]] std::string logged() const {
    return std::filesystem::exists(log_file()) ? read_file(log_file()) : "";
  }

  /// cback -c config -l log arguments...
  [[nodiscard]] Args command(const Args& arguments) const {
    return cback_command(config, log_file(), arguments);
  }

  /// Runs command(arguments).
  RunResult cback(const Args& arguments, const RunOptions& options = {}) const {
    return run(command(arguments), options);
  }
};

} // namespace cback::test
