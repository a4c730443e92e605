#include <cback/config/load.hpp>
#include <cback/core/error.hpp>
#include <cback/extend/command.hpp>
#include <cback/extend/registry.hpp>

#include "support/config_problems.hpp"
#include "support/run_fixture.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

struct CommandFixture : test::ExtendFixture {
  fs::path args_file = tmp / "args";

  /// Configures the action `site` with a script of `body` (sh).
  void script(const std::string& body) {
    const auto path = tmp.write("site.sh", "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" +
                                               args_file.string() + "'\n" + body);
    fs::permissions(path, fs::perms::owner_all);
    config.path = (tmp / "cback.toml").string();
    config::ExtendedAction action;
    action.name = "site";
    action.command = path.string();
    action.index = 150;
    config.extensions = config::Extensions{};
    config.extensions->actions.push_back(action);
  }
  void run() {
    auto& ctx = context;
    ctx.action = "site";
    run_command(ctx);
  }
};

} // namespace

TEST_CASE("An action with a command key resolves to the command extension", "[extend][command]") {
  config::ExtendedAction action;
  action.name = "site";
  action.command = "/usr/local/bin/site-backup";
  action.module = "CedarBackup3.extend.sysinfo";
  action.function = "executeAction";
  const auto* extension = resolve(action);
  REQUIRE(extension != nullptr);
  CHECK(extension->name == "command");
}

TEST_CASE("The command key is read from XML and TOML and kept by the TOML conversion",
          "[extend][command]") {
  const auto xml = config::parse(std::string(R"(<?xml version="1.0"?>
<cb_config>
   <extensions>
      <action>
         <name>ledger</name>
         <module>site</module>
         <function>run</function>
         <index>98</index>
         <command>/usr/local/sbin/dump-ledger</command>
      </action>
   </extensions>
)") + test::k_xml_options + "   <purge/>\n</cb_config>\n",
                                 "site.xml");
  REQUIRE(xml.extensions);
  const auto& action = xml.extensions->actions.at(0);
  CHECK(action.command == "/usr/local/sbin/dump-ledger");
  CHECK(resolve(action)->name == "command");

  const auto toml = config::parse(config::to_toml(xml), "site.toml");
  CHECK(toml.extensions->actions.at(0).command == "/usr/local/sbin/dump-ledger");
}

TEST_CASE("A relative command is a configuration error", "[extend][command]") {
  CHECK_THROWS_AS(config::parse(std::string(R"([extensions]
[[extensions.action]]
name = "ledger"
index = 98
command = "dump-ledger"

)") + test::k_toml_options + "\n[purge]\n",
                                "site.toml"),
                  config::InvalidConfig);
}

TEST_CASE("The command gets the config path and the action name, and --full on a full run",
          "[extend][command]") {
  CommandFixture f;
  f.script("echo dumped the ledger\n");

  SECTION("a normal run") {
    f.run();
    CHECK(test::read_file(f.args_file) == f.config.path + "\nsite\n");
  }
  SECTION("a full run") {
    f.flags.full = core::Full::yes;
    f.run();
    CHECK(test::read_file(f.args_file) == f.config.path + "\nsite\n--full\n");
  }
  CHECK_THAT(f.logged(), Catch::Contains("[site] dumped the ledger"));
}

TEST_CASE("A command that exits non-zero fails the action with its name and output",
          "[extend][command]") {
  CommandFixture f;
  f.script("echo ledger locked >&2\nexit 3\n");
  try {
    f.run();
    FAIL("the command's failure was not reported");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::action);
    CHECK_THAT(error.what(), Catch::Contains("[site]") && Catch::Contains("exit status 3") &&
                                 Catch::Contains("ledger locked"));
  }
}

TEST_CASE("A command that cannot be executed fails the action", "[extend][command]") {
  CommandFixture f;
  f.script("");
  f.config.extensions->actions[0].command = (f.tmp / "missing").string();
  CHECK_THROWS_AS(f.run(), Error);
}

} // namespace cback::extend
