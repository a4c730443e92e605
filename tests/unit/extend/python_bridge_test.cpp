#include <cback/extend/python_bridge.hpp>
#include <cback/extend/registry.hpp>

#include "support/parts.hpp"
#include "support/run_fixture.hpp"
#include "support/scoped_env.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>
#include <vector>

namespace cback::extend {
namespace {

config::ExtendedAction site_action(const std::string& module, const std::string& function) {
  config::ExtendedAction action;
  action.name = "ledger";
  action.module = module;
  action.function = function;
  action.index = 150;
  return action;
}

} // namespace

TEST_CASE("A module outside the original's extensions resolves to the Python bridge",
          "[extend][python]") {
  const auto* site = resolve(site_action("mysite.backup", "run"));
  REQUIRE(site != nullptr);
  CHECK(site->name == "python-bridge");
  CHECK(is_site_module(site_action("mysite.backup", "run")));

  const auto* builtin = resolve(site_action("CedarBackup3.extend.sysinfo", "executeAction"));
  REQUIRE(builtin != nullptr);
  CHECK(builtin->name == "sysinfo");
  CHECK_FALSE(is_site_module(site_action("CedarBackup3.extend.sysinfo", "executeAction")));

  // A name in the original's own extension package that it does not have
  // is a mistake, not a site module.
  CHECK(resolve(site_action("CedarBackup3.extend.tape", "executeAction")) == nullptr);
  CHECK(resolve(site_action("CedarBackup2.extend.tape", "executeAction")) == nullptr);

  auto with_command = site_action("mysite.backup", "run");
  with_command.command = "/usr/local/bin/ledger";
  CHECK_FALSE(is_site_module(with_command));
  REQUIRE(resolve(with_command) != nullptr);
  CHECK(resolve(with_command)->name == "command");
}

TEST_CASE("The bridge is unavailable without the CedarBackup3 package and says where it looked",
          "[extend][python]") {
  test::TempDir library;
  test::ScopedEnv env(k_cedar_library_env, library.path().c_str());
  CHECK(cedar_library_dir() == library.path());
  const auto missing = bridge_unavailable();
  REQUIRE(missing.has_value());
  if (::access(k_bridge_python, X_OK) == 0) {
    CHECK(*missing == "no package " + (library / "CedarBackup3").string());
  }

  library.write("CedarBackup3/config.py", "");
  library.write("CedarBackup3/cli.py", "");
  if (::access(k_bridge_python, X_OK) != 0) {
    CHECK(bridge_unavailable() == "no /usr/bin/python3");
    test::report_missing_part("/usr/bin/python3", "tools/install-deps.sh installs it");
    return;
  }
  CHECK(bridge_unavailable() == std::nullopt);
}

TEST_CASE("The bridge's command line carries the configuration, the action and cback's switches",
          "[extend][python]") {
  test::ExtendFixture fixture; // debug logging, which implies the output log
  fixture.config.path = "/etc/cback.conf";
  fixture.flags.full = core::Full::yes;
  fixture.flags.verbose = true;
  test::ScopedEnv env(k_cedar_library_env, nullptr);
  const auto action = site_action("mysite.backup", "run");
  CHECK(bridge_argv(fixture.context, action, "/usr/libexec/cback/python-bridge") ==
        std::vector<std::string>{"/usr/bin/python3", "/usr/libexec/cback/python-bridge",
                                 "--library", "/usr/lib/python3/dist-packages", "--config",
                                 "/etc/cback.conf", "--action", "ledger", "--module",
                                 "mysite.backup", "--function", "run", "--full", "--verbose",
                                 "--debug", "--output"});
  fixture.flags.full = core::Full::no;
  fixture.flags.verbose = false;
  fixture.flags.quiet = true;
  CHECK(bridge_argv(fixture.context, action, "bridge", BridgeMode::check) ==
        std::vector<std::string>{"/usr/bin/python3", "bridge", "--library",
                                 "/usr/lib/python3/dist-packages", "--config", "/etc/cback.conf",
                                 "--action", "ledger", "--module", "mysite.backup", "--function",
                                 "run", "--check", "--quiet", "--debug", "--output"});
}

} // namespace cback::extend
