// Drives the real cback binary and checks the exit codes of the man page,
// what reaches the screen and what reaches the log.

#include "support/pool.hpp"
#include "support/text.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

enum class Reference { yes, no };

// A pool of one: a working dir, a purge dir, and a TOML configuration that
// validates on this machine. `extra` is appended to the [options] table
// (hooks, for instance).
struct CliPool : Pool {
  explicit CliPool(const std::string& extra = "", Reference reference = Reference::yes) {
    const auto work = make_dir("work");
    const std::string head =
        reference == Reference::yes ? toml_head(work, extra) : options_table(work, extra);
    configure(head + purge_table(make_dir("purge")));
  }
};

} // namespace

TEST_CASE("validate of a valid configuration exits 0", "[integration][cli]") {
  CliPool pool;
  const auto result = pool.cback({"validate"});
  CHECK(result.exit_code == 0);
  CHECK(contains(result.out, "Configuration is valid."));
  const std::string log = pool.logged();
  CHECK(contains(log, "Cedar Backup run started."));
  CHECK(contains(log, "Options were [--config \"" + pool.config.string() + "\" --logfile \"" +
                          pool.log_file().string() + "\" \"validate\" ]"));
  CHECK(contains(log, "Logfile is [" + pool.log_file().string() + "]"));
  CHECK(contains(log, "Version"));
  CHECK(contains(log, "Configuration path is [" + pool.config.string() + "]"));
  CHECK(contains(log, "Action order will be: ['initialize', 'rebuild', 'validate', 'collect', "
                      "'stage', 'store', 'purge']"));
  CHECK(contains(log, "Cedar Backup run completed with status 0."));
}

TEST_CASE("validate of a legacy XML configuration exits 0", "[integration][cli]") {
  Pool pool;
  pool.configure("<?xml version=\"1.0\"?>\n<cb_config>\n"
                 "  <reference><author>tests</author></reference>\n" +
                     options_element(pool.make_dir("work")) +
                     fmt::format("  <purge>\n    <dir><abs_path>{}</abs_path><retain_days>7"
                                 "</retain_days></dir>\n  </purge>\n</cb_config>\n",
                                 pool.make_dir("purge").string()),
                 "cback.conf");
  const auto result = pool.cback({"validate"});
  CHECK(result.exit_code == 0);
  CHECK(contains(result.out, "Configuration is valid."));
}

TEST_CASE("Switches may follow the actions", "[integration][cli]") {
  CliPool pool;
  const auto result = run({cback_binary(), "validate", "--config", pool.config.string(),
                           "--logfile", pool.log_file().string(), "--quiet"});
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
  CliPool pool;
  const auto not_a_dir = pool.dir.write("plain-file", "");
  const auto result = run(cback_command(pool.config, not_a_dir / "cback.log", {"validate"}));
  CHECK(result.exit_code == 3);
  CHECK(contains(result.err, "Error setting up logging: "));
}

TEST_CASE("A bad configuration exits 4 naming file and line", "[integration][cli]") {
  Pool pool;
  pool.configure("[options]\nstarting_day = \"funday\"\n", "bad.toml");
  const auto result = pool.cback({"validate"});
  CHECK(result.exit_code == 4);
  CHECK(contains(result.out, "Error reading or handling configuration: "));
  CHECK(contains(result.out, pool.config.string() + ":2"));
  CHECK(contains(pool.logged(), "Cedar Backup run completed with status 4."));
}

TEST_CASE("A missing configuration file exits 4", "[integration][cli]") {
  Pool pool;
  pool.config = pool.dir / "none.toml";
  const auto result = pool.cback({"validate"});
  CHECK(result.exit_code == 4);
}

TEST_CASE("An unknown or misplaced action exits 4", "[integration][cli]") {
  CliPool pool;
  const auto unknown = pool.cback({"collect", "bogus"});
  CHECK(unknown.exit_code == 4);
  CHECK(contains(unknown.out, "Action [bogus] is not a valid action or extended action."));
  const auto combined = pool.cback({"validate", "collect"});
  CHECK(combined.exit_code == 4);
  CHECK(contains(combined.out, "Action [validate] may not be combined with other actions."));
}

TEST_CASE("validate of an invalid configuration exits 4", "[integration][cli]") {
  CliPool pool("", Reference::no);
  fs::remove(pool.dir / "purge");
  const auto result = pool.cback({"validate"});
  CHECK(result.exit_code == 4);
  CHECK(contains(result.out,
                 "Purge directory [" + (pool.dir / "purge").string() + "] does not exist."));
  CHECK(contains(result.out, "Configuration is not valid."));
  CHECK(contains(pool.logged(), "Cedar Backup run completed with status 4."));
}

TEST_CASE("A failing pre-action hook exits 6 and the action does not run", "[integration][cli]") {
  CliPool pool(pre_action_hook("purge", "false"));
  const auto result = pool.cback({"purge"});
  CHECK(result.exit_code == 6);
  CHECK(contains(result.out, "Error executing backup: Error (1) executing pre-action hook for "
                             "action purge: ['false']"));
  CHECK_FALSE(contains(pool.logged(), "The purge action is not available"));
  CHECK(contains(pool.logged(), "Cedar Backup run completed with status 6."));
}

TEST_CASE("An action that cannot run exits 6", "[integration][cli]") {
  CliPool pool(pre_action_hook("initialize", "true"));
  const auto result = pool.cback({"initialize"});
  CHECK(result.exit_code == 6);
  CHECK(contains(result.out, "The initialize action needs the options and store sections."));
}

TEST_CASE("The stack of an error is printed with --stack", "[integration][cli]") {
  CliPool pool(pre_action_hook("purge", "false"));
  const auto result = pool.cback({"--stack", "purge"});
  CHECK(result.exit_code == 6);
  CHECK(contains(result.err, "Stack trace of the error"));
}

TEST_CASE("SIGTERM during a hook stops the run with exit 5", "[integration][cli]") {
  TempDir marker_dir;
  const auto started = marker_dir / "started";
  CliPool pool(
      pre_action_hook("purge", "/bin/sh -c \"touch " + started.string() + "; exec sleep 30\""));
  RunOptions options;
  options.signal = SIGTERM;
  options.signal_when_exists = started;
  const auto result = pool.cback({"purge"}, options);
  CHECK(result.exit_code == 5);
  CHECK(contains(result.out, "Backup interrupted."));
  CHECK(contains(pool.logged(), "Cedar Backup run completed with status 5."));
}

} // namespace cback::test
