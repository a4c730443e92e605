// Drives the real cback binary and checks the exit codes of the man page,
// what reaches the screen and what reaches the log.

#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

using cback::test::cback_binary;
using cback::test::read_file;
using cback::test::run;
using cback::test::RunOptions;
using cback::test::RunResult;
using cback::test::TempDir;
using Args = std::vector<std::string>;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A pool of one in a temp dir: a working dir, a purge dir, and a TOML
// configuration that validates on this machine. `extra` is appended to the
// [options] table (hooks, for instance).
struct Pool {
  TempDir dir;
  fs::path config;
  fs::path log;

  explicit Pool(const std::string& extra = "", bool with_reference = true) {
    fs::create_directories(dir / "work");
    fs::create_directories(dir / "purge");
    log = dir / "cback.log";
    const std::string reference = with_reference ? "[reference]\nauthor = \"tests\"\n\n" : "";
    config = dir.write("cback.toml", fmt::format(R"({}[options]
starting_day = "monday"
working_dir = "{}"
backup_user = "root"
backup_group = "root"
rcp_command = "/usr/bin/scp -B"
{}
[purge]
[[purge.dir]]
abs_path = "{}"
retain_days = 7
)",
                                                 reference, (dir / "work").string(), extra,
                                                 (dir / "purge").string()));
  }

  /// cback -c CONFIG -l LOG <arguments>
  RunResult cback(const Args& arguments, const RunOptions& options = {}) const {
    Args argv{cback_binary(), "-c", config.string(), "-l", log.string()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run(argv, options);
  }

  [[nodiscard]] std::string logged() const { return fs::exists(log) ? read_file(log) : ""; }
};

std::string hook(const std::string& action, const std::string& command) {
  return fmt::format("\n[[options.pre_action_hook]]\naction = \"{}\"\ncommand = '{}'\n", action,
                     command);
}

} // namespace

TEST_CASE("validate of a valid configuration exits 0", "[integration][cli]") {
  Pool pool;
  const auto result = pool.cback({"validate"});
  CHECK(result.exit_code == 0);
  CHECK(contains(result.out, "Configuration is valid."));
  const std::string log = pool.logged();
  CHECK(contains(log, "Cedar Backup run started."));
  CHECK(contains(log, "Options were [--config \"" + pool.config.string() + "\" --logfile \"" +
                          pool.log.string() + "\" \"validate\" ]"));
  CHECK(contains(log, "Logfile is [" + pool.log.string() + "]"));
  CHECK(contains(log, "Version"));
  CHECK(contains(log, "Configuration path is [" + pool.config.string() + "]"));
  CHECK(contains(log, "Action order will be: ['initialize', 'rebuild', 'validate', 'collect', "
                      "'stage', 'store', 'purge']"));
  CHECK(contains(log, "Cedar Backup run completed with status 0."));
}

TEST_CASE("validate of a legacy XML configuration exits 0", "[integration][cli]") {
  TempDir dir;
  fs::create_directories(dir / "work");
  fs::create_directories(dir / "purge");
  const auto config =
      dir.write("cback.conf", fmt::format(R"(<?xml version="1.0"?>
<cb_config>
  <reference><author>tests</author></reference>
  <options>
    <starting_day>monday</starting_day>
    <working_dir>{}</working_dir>
    <backup_user>root</backup_user>
    <backup_group>root</backup_group>
    <rcp_command>/usr/bin/scp -B</rcp_command>
  </options>
  <purge>
    <dir><abs_path>{}</abs_path><retain_days>7</retain_days></dir>
  </purge>
</cb_config>
)",
                                          (dir / "work").string(), (dir / "purge").string()));
  const auto result =
      run({cback_binary(), "-c", config.string(), "-l", (dir / "cback.log").string(), "validate"});
  CHECK(result.exit_code == 0);
  CHECK(contains(result.out, "Configuration is valid."));
}

TEST_CASE("Switches may follow the actions", "[integration][cli]") {
  Pool pool;
  const auto result = run({cback_binary(), "validate", "--config", pool.config.string(),
                           "--logfile", pool.log.string(), "--quiet"});
  CHECK(result.exit_code == 0);
  CHECK(result.out.empty()); // -q: nothing on the screen
  CHECK(contains(pool.logged(), "Configuration is valid."));
}

TEST_CASE("Usage errors exit 2 with the usage and the error on stderr", "[integration][cli]") {
  const std::vector<Args> bad{
      {"--bogus", "collect"}, {"-c"}, {"-M", "-N", "collect"}, {"-o", "root", "collect"},
      {"-m", "9", "collect"}, {},     {"-c", "", "collect"}};
  for (const auto& arguments : bad) {
    Args argv{cback_binary()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    const auto result = run(argv);
    CAPTURE(arguments);
    CHECK(result.exit_code == 2);
    CHECK(contains(result.err, " Usage: cback [switches] action(s)"));
    CHECK(contains(result.err, " *** Error: "));
    CHECK(result.out.empty());
  }
}

TEST_CASE("Help, version and diagnostics exit 0 without a configuration", "[integration][cli]") {
  const auto help = run({cback_binary(), "--help"});
  CHECK(help.exit_code == 0);
  CHECK(contains(help.err, " Usage: cback [switches] action(s)"));
  const auto version = run({cback_binary(), "-V"});
  CHECK(version.exit_code == 0);
  CHECK(contains(version.out, " cback version "));
  const auto diagnostics = run({cback_binary(), "-D"});
  CHECK(diagnostics.exit_code == 0);
  CHECK(contains(diagnostics.out, "\nDiagnostics:\n\n"));
  CHECK(contains(diagnostics.out, "   Version"));
  CHECK(contains(diagnostics.out, ": cback "));
  CHECK(contains(diagnostics.out, "   Libarchive"));
}

TEST_CASE("A logfile that cannot be written exits 3", "[integration][cli]") {
  Pool pool;
  const auto not_a_dir = pool.dir.write("plain-file", "");
  const auto result = run({cback_binary(), "-c", pool.config.string(), "-l",
                           (not_a_dir / "cback.log").string(), "validate"});
  CHECK(result.exit_code == 3);
  CHECK(contains(result.err, "Error setting up logging: "));
}

TEST_CASE("A bad configuration exits 4 naming file and line", "[integration][cli]") {
  TempDir dir;
  const auto config = dir.write("bad.toml", "[options]\nstarting_day = \"funday\"\n");
  const auto result =
      run({cback_binary(), "-c", config.string(), "-l", (dir / "cback.log").string(), "validate"});
  CHECK(result.exit_code == 4);
  CHECK(contains(result.out, "Error reading or handling configuration: "));
  CHECK(contains(result.out, config.string() + ":2"));
  CHECK(contains(read_file(dir / "cback.log"), "Cedar Backup run completed with status 4."));
}

TEST_CASE("A missing configuration file exits 4", "[integration][cli]") {
  TempDir dir;
  const auto result = run({cback_binary(), "-c", (dir / "none.toml").string(), "-l",
                           (dir / "cback.log").string(), "validate"});
  CHECK(result.exit_code == 4);
}

TEST_CASE("An unknown or misplaced action exits 4", "[integration][cli]") {
  Pool pool;
  const auto unknown = pool.cback({"collect", "bogus"});
  CHECK(unknown.exit_code == 4);
  CHECK(contains(unknown.out, "Action [bogus] is not a valid action or extended action."));
  const auto combined = pool.cback({"validate", "collect"});
  CHECK(combined.exit_code == 4);
  CHECK(contains(combined.out, "Action [validate] may not be combined with other actions."));
}

TEST_CASE("validate of an invalid configuration exits 4", "[integration][cli]") {
  Pool pool("", false);
  fs::remove(pool.dir / "purge");
  const auto result = pool.cback({"validate"});
  CHECK(result.exit_code == 4);
  CHECK(contains(result.out, "Required reference configuration does not exist."));
  CHECK(contains(result.out,
                 "Purge directory [" + (pool.dir / "purge").string() + "] does not exist."));
  CHECK(contains(result.out, "Configuration is not valid."));
  CHECK(contains(pool.logged(), "Cedar Backup run completed with status 4."));
}

TEST_CASE("A failing pre-action hook exits 6 and the action does not run", "[integration][cli]") {
  Pool pool(hook("purge", "false"));
  const auto result = pool.cback({"purge"});
  CHECK(result.exit_code == 6);
  CHECK(contains(result.out, "Error executing backup: Error (1) executing pre-action hook for "
                             "action purge: ['false']"));
  CHECK_FALSE(contains(pool.logged(), "The purge action is not available"));
  CHECK(contains(pool.logged(), "Cedar Backup run completed with status 6."));
}

TEST_CASE("An action that cannot run exits 6", "[integration][cli]") {
  Pool pool(hook("initialize", "true"));
  const auto result = pool.cback({"initialize"});
  CHECK(result.exit_code == 6);
  CHECK(contains(result.out, "The initialize action needs the options and store sections."));
}

TEST_CASE("The stack of an error is printed with --stack", "[integration][cli]") {
  Pool pool(hook("purge", "false"));
  const auto result = pool.cback({"--stack", "purge"});
  CHECK(result.exit_code == 6);
  CHECK(contains(result.err, "Stack trace of the error"));
}

TEST_CASE("SIGTERM during a hook stops the run with exit 5", "[integration][cli]") {
  TempDir marker_dir;
  const auto started = marker_dir / "started";
  Pool pool(hook("purge", "/bin/sh -c \"touch " + started.string() + "; exec sleep 30\""));
  RunOptions options;
  options.signal = SIGTERM;
  options.signal_when_exists = started;
  const auto result = pool.cback({"purge"}, options);
  CHECK(result.exit_code == 5);
  CHECK(contains(result.out, "Backup interrupted."));
  CHECK(contains(pool.logged(), "Cedar Backup run completed with status 5."));
}
