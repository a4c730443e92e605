#include <cback/extend/amazons3.hpp>
#include <cback/extend/capacity.hpp>
#include <cback/extend/command.hpp>
#include <cback/extend/encrypt.hpp>
#include <cback/extend/mbox.hpp>
#include <cback/extend/mysql.hpp>
#include <cback/extend/postgresql.hpp>
#include <cback/extend/python_bridge.hpp>
#include <cback/extend/registry.hpp>
#include <cback/extend/runners.hpp>
#include <cback/extend/split.hpp>
#include <cback/extend/subversion.hpp>
#include <cback/extend/sysinfo.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <string>

namespace cback::extend {

TEST_CASE("Each built-in extension runs its own function", "[extend][registry]") {
  const std::map<std::string, actions::ActionFunction> expected{
      {"sysinfo", &run_sysinfo},       {"mysql", &run_mysql},       {"postgresql", &run_postgresql},
      {"subversion", &run_subversion}, {"mbox", &run_mbox},         {"encrypt", &run_encrypt},
      {"split", &run_split},           {"capacity", &run_capacity}, {"amazons3", &run_amazons3},
  };
  REQUIRE(builtin_extensions().size() == expected.size());
  for (const auto& extension : builtin_extensions()) {
    INFO(extension.name);
    CHECK(runner_of(extension) == expected.at(std::string(extension.name)));
    config::ExtendedAction action;
    action.name = std::string(extension.name);
    const auto* resolved = resolve(action);
    REQUIRE(resolved != nullptr);
    CHECK(runner_of(*resolved) == expected.at(std::string(extension.name)));
  }

  config::ExtendedAction command;
  command.name = "site";
  command.command = "/usr/local/bin/site-backup";
  CHECK(runner_of(*resolve(command)) == &run_command);
  config::ExtendedAction site;
  site.name = "ledger";
  site.module = "mysite.backup";
  site.function = "run";
  CHECK(runner_of(*resolve(site)) == &run_python_bridge);
}

} // namespace cback::extend
