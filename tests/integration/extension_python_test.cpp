// A site's own Python extension module, named in an XML configuration, run
// through Cedar Backup 3's installed library by the real binary (the
// Python bridge, extend/python_bridge.hpp).

#include <cback/extend/python_bridge.hpp>

#include "support/parts.hpp"
#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

/// The site's module: `run` writes what it was given to the working
/// directory it reads from the original's Config, logs and prints a line;
/// `fail` raises.
constexpr const char* k_module = R"(import logging
import os

from CedarBackup3.cli import Options
from CedarBackup3.config import Config

logger = logging.getLogger("CedarBackup3.log.extend.ledger")


def run(configPath, options, config):
    if not isinstance(config, Config) or not isinstance(options, Options):
        raise TypeError("not the original's Config and Options")
    target = os.path.join(config.options.workingDir, "ledger.txt")
    with open(target, "w") as out:
        out.write("config=%s\n" % configPath)
        out.write("collect=%s\n" % config.collect.targetDir)
        out.write("full=%s actions=%s\n" % (options.full, ",".join(options.actions)))
    logger.info("ledger written to %s", target)
    logger.warning("ledger is nearly full")
    print("printed by the ledger")


def fail(configPath, options, config):
    raise RuntimeError("the ledger is locked")
)";

/// Debian's python3 with the cedar-backup3 package, which the bridge
/// needs; otherwise reports the part missing.
bool cedar_backup3_available() {
  return (::access(extend::k_bridge_python, X_OK) == 0 &&
          fs::exists(fs::path(extend::k_cedar_library_dir) / "CedarBackup3" / "config.py")) ||
         report_missing_part(
             "cedar-backup3",
             "Debian's python3 with CedarBackup3; tools/install-deps.sh installs it");
}

struct Site : Pool {
  fs::path modules = make_dir("modules");
  fs::path work = make_dir("work");

  Site() { dir.write("modules/mysite_ledger.py", k_module); }

  /// An XML configuration whose extended action `ledger` calls
  /// mysite_ledger.`function`.
  void configure_function(const std::string& function) {
    configure(fmt::format(R"(<?xml version="1.0"?>
<cb_config>
  <reference><author>tests</author></reference>
  <extensions>
    <action>
      <name>ledger</name>
      <module>mysite_ledger</module>
      <function>{}</function>
      <index>150</index>
    </action>
  </extensions>
{}  <collect>
    <collect_dir>{}</collect_dir>
    <collect_mode>daily</collect_mode>
    <archive_mode>tar</archive_mode>
    <ignore_file>.cbignore</ignore_file>
    <dir><abs_path>/etc</abs_path></dir>
  </collect>
</cb_config>
)",
                          function, options_element(work), make_dir("collect").string()),
              "cback.xml");
  }

  /// cback with the module's directory on PYTHONPATH and `env` added.
  RunResult run_with(const Args& arguments, std::vector<std::string> env = {}) const {
    RunOptions options;
    env.push_back("PYTHONPATH=" + modules.string());
    options.env = std::move(env);
    return cback(arguments, options);
  }
};

} // namespace

TEST_CASE("A site's Python extension runs with the original's Config and logs into cback's log",
          "[extension][python]") {
  CBACK_REQUIRE_PART(cedar_backup3_available());
  Site site;
  site.configure_function("run");
  const auto result = site.run_with({"--full", "ledger"});
  INFO(result.out << result.err << site.logged());
  REQUIRE(result.exit_code == 0);
  CHECK(read_file(site.work / "ledger.txt") ==
        fmt::format("config={}\ncollect={}\nfull=True actions=ledger\n", site.config.string(),
                    (site.dir / "collect").string()));
  const std::string log = site.logged();
  CHECK_THAT(log, Catch::Contains(fmt::format("[INFO   ] [ledger] ledger written to {}",
                                              (site.work / "ledger.txt").string())));
  CHECK_THAT(log, Catch::Contains("[WARNING] [ledger] ledger is nearly full"));
  CHECK_THAT(log, Catch::Contains("[INFO   ] [ledger] printed by the ledger"));
  CHECK_THAT(log, Catch::Contains("Executed extended action [ledger] successfully."));
}

TEST_CASE("A site's Python extension that raises makes the run exit 6 naming the module",
          "[extension][python]") {
  CBACK_REQUIRE_PART(cedar_backup3_available());
  Site site;
  site.configure_function("fail");
  const auto result = site.run_with({"ledger"});
  INFO(result.out << result.err << site.logged());
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err,
             Catch::Contains("Extended action [ledger]: function [mysite_ledger.fail] failed: "
                             "Function [mysite_ledger.fail] raised RuntimeError: the ledger is "
                             "locked"));
  CHECK_THAT(site.logged(), Catch::Contains("[ERROR  ] [ledger] Function [mysite_ledger.fail]"));
}

TEST_CASE("Validate imports a site's Python module and finds a missing function",
          "[extension][python][validate]") {
  CBACK_REQUIRE_PART(cedar_backup3_available());
  Site site;
  site.configure_function("run");
  const auto valid = site.run_with({"validate"});
  INFO(valid.out << valid.err << site.logged());
  CHECK(valid.exit_code == 0);
  CHECK_FALSE(fs::exists(site.work / "ledger.txt")); // looked up, never called

  site.configure_function("nosuch");
  const auto invalid = site.run_with({"validate"});
  INFO(invalid.out << invalid.err);
  CHECK(invalid.exit_code == 4);
  CHECK_THAT(invalid.out + invalid.err,
             Catch::Contains("Extended action [ledger]: function [mysite_ledger.nosuch]: Unable "
                             "to find function [mysite_ledger.nosuch]."));
}

TEST_CASE("Without Cedar Backup 3's library a site module is refused at load, pointing to the "
          "command extension",
          "[extension][python]") {
  Site site;
  site.configure_function("run");
  const fs::path empty = site.make_dir("no-library");
  const std::string without = std::string(extend::k_cedar_library_env) + "=" + empty.string();
  const auto refused = site.run_with({"ledger"}, {without});
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 4);
  const std::string message = refused.out + refused.err;
  CHECK_THAT(message, Catch::Contains("module [mysite_ledger] is not a built-in extension"));
  CHECK_THAT(message, Catch::Contains("cedar-backup3"));
  CHECK_THAT(message, Catch::Contains("command extension (see docs/configuration.md"));
  CHECK_FALSE(fs::exists(site.work / "ledger.txt"));

  // cback-config check says the same.
  RunOptions options;
  options.env = {without};
  const auto check = run({cback_config_binary(), "check", site.config.string()}, options);
  INFO(check.out << check.err);
  CHECK(check.exit_code == 4);
  CHECK_THAT(check.out + check.err, Catch::Contains("module [mysite_ledger] is not a built-in "
                                                    "extension"));
}

TEST_CASE("cback-config convert refuses to write a site module's configuration as TOML",
          "[extension][python]") {
  CBACK_REQUIRE_PART(cedar_backup3_available());
  Site site;
  site.configure_function("run");
  const fs::path out = site.work / "converted.toml";
  const auto refused =
      run({cback_config_binary(), "convert", site.config.string(), "-o", out.string()});
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 4);
  CHECK_THAT(refused.err, Catch::Contains("from an XML configuration only"));
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(out.string() + ".partial"));
}

} // namespace cback::test
