#pragma once

// From the command line's action names to the list of items a run executes
// (docs/compatibility.md, "Action order"): the names are checked, `all` is expanded,
// local items carry their hooks, managed items their peers, and the list is
// put in execution order.

#include <cback/actions/action.hpp>
#include <cback/cli/action_order.hpp>
#include <cback/cli/options.hpp>
#include <cback/config/model.hpp>

#include <string>
#include <vector>

namespace cback::cli {

/// Local items run before managed items of the same index.
enum class Target { local = 0, managed = 1 };

struct ActionItem {
  std::string name;
  int index = 0;
  Target target = Target::local;
  actions::ActionFunction run = nullptr;      ///< local items
  std::vector<config::ActionHook> pre_hooks;  ///< local items, config order
  std::vector<config::ActionHook> post_hooks; ///< local items, config order
  std::vector<config::Peer> peers;            ///< managed items: where to run it
};

struct ActionPlan {
  ActionOrder order;
  std::vector<ActionItem> items;     ///< in execution order
  std::vector<std::string> warnings; ///< to log at WARNING (an extension shadowing a built-in)
};

/// Builds the plan for `options.actions` (with -M: local and managed items,
/// with -N: managed items only). Throws cback::Error(ExitCode::config) for an
/// action that is neither a built-in nor a configured extension, a
/// non-combinable action given with others, an extension that is not a
/// built-in extension of cback, and the ordering errors of order_actions().
ActionPlan plan_actions(const Options& options, const config::Config& config);

} // namespace cback::cli
