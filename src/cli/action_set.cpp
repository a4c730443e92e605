#include <cback/cli/action_set.hpp>

#include <cback/core/error.hpp>
#include <cback/extend/runners.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace cback::cli {
namespace {

using FunctionMap = std::map<std::string, actions::ActionFunction, std::less<>>;
using PeerMap = std::map<std::string, std::vector<config::Peer>, std::less<>>;

Error config_error(const std::string& message) {
  return Error(ExitCode::config, message);
}

std::string describe(const config::ExtendedAction& action) {
  if (!action.module) {
    return fmt::format("Extended action [{}] is not a built-in extension of cback.", action.name);
  }
  return fmt::format("Extended action [{}]: function [{}.{}] is not a built-in extension of cback.",
                     action.name, *action.module, action.function.value_or(""));
}

// Every runnable name and its function; an extension named like a built-in
// replaces it (the original allows this; we keep it, with a warning).
FunctionMap function_map(const config::Config& config, std::vector<std::string>& warnings) {
  FunctionMap functions;
  for (const auto& builtin : actions::builtin_actions()) {
    if (builtin.run != nullptr) {
      functions[std::string(builtin.name)] = builtin.run;
    }
  }
  if (!config.extensions) {
    return functions;
  }
  for (const auto& action : config.extensions->actions) {
    const auto* extension = extend::resolve(action);
    if (extension == nullptr) {
      throw config_error(describe(action));
    }
    if (actions::find_builtin(action.name) != nullptr) {
      warnings.push_back(fmt::format(
          "Extended action [{}] replaces the built-in action of the same name.", action.name));
    }
    functions[action.name] = extend::runner_of(*extension);
  }
  return functions;
}

void check_names(const std::vector<std::string>& names, const FunctionMap& functions) {
  if (names.empty()) {
    throw config_error("No actions specified.");
  }
  for (const auto& name : names) {
    if (name != "all" && !functions.contains(name)) {
      throw config_error(
          fmt::format("Action [{}] is not a valid action or extended action.", name));
    }
  }
  for (const auto& builtin : actions::builtin_actions()) {
    const bool present = std::find(names.begin(), names.end(), builtin.name) != names.end();
    if (!builtin.combinable && present && names.size() != 1) {
      throw config_error(
          fmt::format("Action [{}] may not be combined with other actions.", builtin.name));
    }
  }
}

// action name -> the managed remote peers (of <peers>) whose effective
// managed_actions (the peer's own, else the options default) list it.
PeerMap peer_map(const config::Config& config) {
  PeerMap peers;
  if (!config.peers) {
    return peers;
  }
  const config::Options no_options;
  const auto& options = config.options ? *config.options : no_options;
  for (const auto& peer : config.peers->peers) {
    if (peer.type != config::PeerType::remote || !peer.managed) {
      continue;
    }
    const auto& managed = peer.managed_actions ? peer.managed_actions : options.managed_actions;
    for (const auto& action : managed.value_or(std::vector<std::string>{})) {
      auto& list = peers[action];
      const auto same = [&peer](const config::Peer& p) { return p.name == peer.name; };
      if (std::none_of(list.begin(), list.end(), same)) {
        list.push_back(peer);
      }
    }
  }
  return peers;
}

std::vector<config::ActionHook> hooks_for(const std::vector<config::ActionHook>& hooks,
                                          std::string_view action) {
  std::vector<config::ActionHook> result;
  std::copy_if(hooks.begin(), hooks.end(), std::back_inserter(result),
               [action](const config::ActionHook& hook) { return hook.action == action; });
  return result;
}

struct ItemFactory {
  const FunctionMap& functions;
  const PeerMap& peers;
  const ActionOrder& order;
  const config::Options& options;
  bool local;
  bool managed;

  void add(const std::string& name, std::vector<ActionItem>& items) const {
    const int index = order.index_of(name);
    if (local) {
      items.push_back(ActionItem{name,
                                 index,
                                 Target::local,
                                 functions.find(name)->second,
                                 hooks_for(options.pre_action_hooks, name),
                                 hooks_for(options.post_action_hooks, name),
                                 {}});
    }
    const auto managed_peers = peers.find(name);
    if (managed && managed_peers != peers.end()) {
      items.push_back(
          ActionItem{name, index, Target::managed, nullptr, {}, {}, managed_peers->second});
    }
  }
};

} // namespace

ActionPlan plan_actions(const Options& options, const config::Config& config) {
  ActionPlan plan;
  const FunctionMap functions = function_map(config, plan.warnings);
  plan.order = order_actions(config.extensions);
  check_names(options.actions, functions);

  const PeerMap peers = peer_map(config);
  const config::Options no_options;
  const ItemFactory factory{functions,
                            peers,
                            plan.order,
                            config.options ? *config.options : no_options,
                            !options.managed_only,
                            options.managed || options.managed_only};
  for (const auto& name : options.actions) {
    if (name == "all") {
      for (const auto component : actions::all_components()) {
        factory.add(std::string(component), plan.items);
      }
    } else {
      factory.add(name, plan.items);
    }
  }
  // Stable: equal (index, target) keep command-line order, as the original's
  // list.sort() does; so `collect collect` runs collect twice.
  std::stable_sort(plan.items.begin(), plan.items.end(),
                   [](const ActionItem& a, const ActionItem& b) {
                     return std::pair(a.index, a.target) < std::pair(b.index, b.target);
                   });
  return plan;
}

} // namespace cback::cli
