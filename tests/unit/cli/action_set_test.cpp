#include <cback/cli/action_order.hpp>
#include <cback/cli/action_set.hpp>
#include <cback/core/error.hpp>
#include <cback/core/python_format.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using cback::Error;
using cback::ExitCode;
using Names = std::vector<std::string>;
namespace config = cback::config;

namespace cback::cli {

namespace {

config::ExtendedAction extension(std::string name, std::optional<int> index, Names run_before = {},
                                 Names run_after = {}) {
  config::ExtendedAction action;
  action.name = name;
  action.module = "CedarBackup3.extend." + name;
  action.function = "executeAction";
  action.index = index;
  action.depends = config::Dependencies{std::move(run_before), std::move(run_after)};
  return action;
}

config::Config base_config() {
  config::Config config;
  config.options = config::Options{};
  return config;
}

config::Config with_extensions(config::OrderMode mode, std::vector<config::ExtendedAction> list) {
  config::Config config = base_config();
  config.extensions = config::Extensions{mode, std::move(list), {}};
  return config;
}

Options options_for(Names actions) {
  Options options;
  options.actions = std::move(actions);
  return options;
}

// "name" for local items, "name@managed" for managed ones, in plan order.
Names items_of(const ActionPlan& plan) {
  Names names;
  for (const auto& item : plan.items) {
    names.push_back(item.name + (item.target == Target::managed ? "@managed" : ""));
  }
  return names;
}

std::string config_error(const Options& options, const config::Config& config) {
  try {
    plan_actions(options, config);
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::config);
    return error.what();
  }
  FAIL("no configuration error");
  return "";
}

config::Peer managed_peer(std::string name, std::optional<Names> actions) {
  config::Peer peer;
  peer.name = std::move(name);
  peer.type = config::PeerType::remote;
  peer.collect_dir = "/var/backup/collect";
  peer.managed = true;
  peer.managed_actions = std::move(actions);
  return peer;
}

} // namespace

TEST_CASE("Without extensions the built-ins run in index order", "[cli][actions]") {
  const auto plan =
      plan_actions(options_for({"purge", "collect", "store", "stage"}), base_config());
  CHECK(items_of(plan) == Names{"collect", "stage", "store", "purge"});
  CHECK(plan.order.mode == config::OrderMode::index);
  CHECK(cback::core::python_list(plan.order.names) ==
        "['initialize', 'rebuild', 'validate', 'collect', 'stage', 'store', 'purge']");
}

TEST_CASE("All expands to collect, stage, store and purge, never extensions", "[cli][actions]") {
  const auto config = with_extensions(config::OrderMode::index, {extension("sysinfo", 99)});
  const auto plan = plan_actions(options_for({"all"}), config);
  CHECK(items_of(plan) == Names{"collect", "stage", "store", "purge"});
}

TEST_CASE("Index mode sorts extensions by their index among the built-ins", "[cli][actions]") {
  const auto config = with_extensions(config::OrderMode::index,
                                      {extension("encrypt", 299), extension("sysinfo", 99)});
  const auto plan = plan_actions(options_for({"store", "encrypt", "collect", "sysinfo"}), config);
  CHECK(items_of(plan) == Names{"sysinfo", "collect", "encrypt", "store"});
  CHECK(plan.order.names == Names{"initialize", "rebuild", "validate", "sysinfo", "collect",
                                  "stage", "encrypt", "store", "purge"});
}

TEST_CASE("Equal indices keep command-line order, and duplicates run twice", "[cli][actions]") {
  const auto config = with_extensions(config::OrderMode::index,
                                      {extension("mysql", 100), extension("sysinfo", 100)});
  CHECK(items_of(plan_actions(options_for({"sysinfo", "collect", "mysql"}), config)) ==
        Names{"sysinfo", "collect", "mysql"});
  CHECK(items_of(plan_actions(options_for({"collect", "collect"}), base_config())) ==
        Names{"collect", "collect"});
}

TEST_CASE("An extension without an index is an error in index mode", "[cli][actions]") {
  const auto config = with_extensions(config::OrderMode::index, {extension("sysinfo", {})});
  CHECK(config_error(options_for({"collect"}), config) ==
        "Extended action [sysinfo] has no index.");
}

TEST_CASE("Dependency mode reproduces the original's order", "[cli][actions]") {
  const auto config =
      with_extensions(config::OrderMode::dependency, {extension("sysinfo", {}, {"collect"}, {}),
                                                      extension("mysql", {}, {}, {"purge"})});
  const auto order = order_actions(config.extensions);
  CHECK(order.mode == config::OrderMode::dependency);
  CHECK(order.names == Names{"sysinfo", "collect", "stage", "store", "purge", "mysql", "initialize",
                             "validate", "rebuild"});
  CHECK(order.index_of("sysinfo") == 1);
  CHECK(order.index_of("rebuild") == 9);
  const auto plan = plan_actions(options_for({"mysql", "purge", "sysinfo", "collect"}), config);
  CHECK(items_of(plan) == Names{"sysinfo", "collect", "purge", "mysql"});
}

TEST_CASE("Dependency mode without dependencies keeps creation order", "[cli][actions]") {
  const auto config = with_extensions(config::OrderMode::dependency,
                                      {extension("split", {}), extension("encrypt", {})});
  CHECK(order_actions(config.extensions).names == Names{"encrypt", "split", "collect", "stage",
                                                        "store", "purge", "initialize", "validate",
                                                        "rebuild"});
}

TEST_CASE("Dependency mode places an extension between two built-ins", "[cli][actions]") {
  const auto config = with_extensions(config::OrderMode::dependency,
                                      {extension("encrypt", {}, {"store"}, {"stage"})});
  const auto plan = plan_actions(options_for({"store", "encrypt", "stage"}), config);
  CHECK(items_of(plan) == Names{"stage", "encrypt", "store"});
}

TEST_CASE("Dependency mode with no extensions falls back to index mode", "[cli][actions]") {
  const auto config = with_extensions(config::OrderMode::dependency, {});
  CHECK(order_actions(config.extensions).mode == config::OrderMode::index);
}

TEST_CASE("An unknown dependency is a configuration error", "[cli][actions]") {
  const auto before =
      with_extensions(config::OrderMode::dependency, {extension("sysinfo", {}, {"nothere"}, {})});
  CHECK(config_error(options_for({"collect"}), before) ==
        "Dependency [nothere] on extension [sysinfo] is unknown.");
  const auto after =
      with_extensions(config::OrderMode::dependency, {extension("mysql", {}, {}, {"all"})});
  CHECK(config_error(options_for({"collect"}), after) ==
        "Dependency [all] on extension [mysql] is unknown.");
}

TEST_CASE("A dependency cycle is a configuration error", "[cli][actions]") {
  const auto config = with_extensions(config::OrderMode::dependency,
                                      {extension("sysinfo", {}, {"collect"}, {"purge"})});
  const std::string message = config_error(options_for({"collect"}), config);
  CHECK_THAT(message, Catch::StartsWith("Unable to determine proper action order due to "
                                        "dependency recursion"));
  const auto two =
      with_extensions(config::OrderMode::dependency, {extension("split", {}, {"encrypt"}, {}),
                                                      extension("encrypt", {}, {"split"}, {})});
  CHECK_THROWS_AS(order_actions(two.extensions), Error);
}

TEST_CASE("An unknown action is a configuration error", "[cli][actions]") {
  CHECK(config_error(options_for({"collect", "bogus"}), base_config()) ==
        "Action [bogus] is not a valid action or extended action.");
  CHECK(config_error(options_for({"sysinfo"}), base_config()) ==
        "Action [sysinfo] is not a valid action or extended action.");
}

TEST_CASE("Non-combinable actions must stand alone", "[cli][actions]") {
  for (const std::string name : {"all", "rebuild", "validate", "initialize"}) {
    CAPTURE(name);
    CHECK_NOTHROW(plan_actions(options_for({name}), base_config()));
    CHECK(config_error(options_for({name, "collect"}), base_config()) ==
          "Action [" + name + "] may not be combined with other actions.");
    CHECK(config_error(options_for({name, name}), base_config()) ==
          "Action [" + name + "] may not be combined with other actions.");
  }
}

TEST_CASE("An extension that is not built into cback is a configuration error", "[cli][actions]") {
  auto action = extension("custom", 50);
  action.module = "CedarBackup3.extend.custom";
  const auto config = with_extensions(config::OrderMode::index, {action});
  CHECK(config_error(options_for({"collect"}), config) ==
        "Extended action [custom]: function [CedarBackup3.extend.custom.executeAction] is not a "
        "built-in extension of cback.");
}

TEST_CASE("A site's own Python module is planned like any extension", "[cli][actions]") {
  auto action = extension("ledger", 150);
  action.module = "mysite.backup";
  action.function = "run";
  const auto config = with_extensions(config::OrderMode::index, {action});
  const auto plan = plan_actions(options_for({"ledger", "collect"}), config);
  CHECK(items_of(plan) == Names{"collect", "ledger"});
}

TEST_CASE("An extension named like a built-in replaces it, with a warning", "[cli][actions]") {
  auto action = extension("sysinfo", 500);
  action.name = "collect";
  const auto config = with_extensions(config::OrderMode::index, {action});
  const auto plan = plan_actions(options_for({"collect", "purge"}), config);
  CHECK(items_of(plan) == Names{"purge", "collect"});
  REQUIRE(plan.warnings.size() == 1);
  CHECK(plan.warnings.front().find("[collect]") != std::string::npos);
}

TEST_CASE("Local items carry their own hooks, in config order", "[cli][actions]") {
  auto config = base_config();
  config.options->pre_action_hooks = {{"collect", "echo one", {}},
                                      {"stage", "echo two", {}},
                                      {"collect", "echo three", {}},
                                      {"all", "echo all", {}}};
  config.options->post_action_hooks = {{"stage", "echo after", {}}};
  const auto plan = plan_actions(options_for({"stage", "collect"}), config);
  REQUIRE(plan.items.size() == 2);
  REQUIRE(plan.items[0].pre_hooks.size() == 2);
  CHECK(plan.items[0].pre_hooks[0].command == "echo one");
  CHECK(plan.items[0].pre_hooks[1].command == "echo three");
  CHECK(plan.items[0].post_hooks.empty());
  CHECK(plan.items[1].pre_hooks.size() == 1);
  CHECK(plan.items[1].post_hooks.size() == 1);
  // A hook on `all` never fires: `all` is only its components.
  const auto all = plan_actions(options_for({"all"}), config);
  for (const auto& item : all.items) {
    for (const auto& hook : item.pre_hooks) {
      CHECK(hook.action != "all");
    }
  }
}

TEST_CASE("With -M a managed item follows each managed local item", "[cli][actions]") {
  auto config = base_config();
  config.options->managed_actions = Names{"collect", "purge"};
  config.peers = config::Peers{
      {managed_peer("client1", std::nullopt), managed_peer("client2", Names{"collect"})}, {}};
  Options options = options_for({"purge", "stage", "collect"});
  CHECK(items_of(plan_actions(options, config)) == Names{"collect", "stage", "purge"});
  options.managed = true;
  const auto plan = plan_actions(options, config);
  CHECK(items_of(plan) == Names{"collect", "collect@managed", "stage", "purge", "purge@managed"});
  CHECK(plan.items[1].index == plan.items[0].index);
  REQUIRE(plan.items[1].peers.size() == 2);
  CHECK(plan.items[1].peers[0].name == "client1");
  CHECK(plan.items[4].peers.size() == 1); // client2 only manages collect
  CHECK(plan.items[1].pre_hooks.empty());
}

TEST_CASE("With -N only managed items are planned", "[cli][actions]") {
  auto config = base_config();
  config.options->pre_action_hooks = {{"collect", "echo pre", {}}};
  config.peers = config::Peers{{managed_peer("client1", Names{"collect", "collect"})}, {}};
  Options options = options_for({"all"});
  options.managed_only = true;
  const auto plan = plan_actions(options, config);
  CHECK(items_of(plan) == Names{"collect@managed"});
  CHECK(plan.items[0].peers.size() == 1);
}

TEST_CASE("Unmanaged and local peers get no managed items", "[cli][actions]") {
  auto config = base_config();
  auto unmanaged = managed_peer("client1", Names{"collect"});
  unmanaged.managed = false;
  auto local = managed_peer("master", Names{"collect"});
  local.type = config::PeerType::local;
  config.peers = config::Peers{{unmanaged, local}, {}};
  Options options = options_for({"collect"});
  options.managed = true;
  CHECK(items_of(plan_actions(options, config)) == Names{"collect"});
}

TEST_CASE("Duplicate actions with -M run locally twice, then managed twice", "[cli][actions]") {
  auto config = base_config();
  config.peers = config::Peers{{managed_peer("client1", Names{"collect"})}, {}};
  Options options = options_for({"collect", "collect"});
  options.managed = true;
  CHECK(items_of(plan_actions(options, config)) ==
        Names{"collect", "collect", "collect@managed", "collect@managed"});
}

} // namespace cback::cli
