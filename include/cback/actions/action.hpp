#pragma once

#include <span>
#include <string_view>

namespace cback {
struct Context;
}

namespace cback::actions {

using ActionFunction = void (*)(Context& context);

/// A built-in action: its command-line name, its index for index-mode
/// ordering (see docs/compatibility.md), whether it may be combined with other actions,
/// and the function that runs it (throws cback::Error on failure). `all`
/// has no function: it expands to collect, stage, store and purge.
struct BuiltinAction {
  std::string_view name;
  int index;
  bool combinable;
  ActionFunction run;
};

/// collect, stage, store, purge, rebuild, validate, initialize, all (the
/// original's order for the non-combinable checks).
std::span<const BuiltinAction> builtin_actions();

/// The entry named `name`, or nullptr.
const BuiltinAction* find_builtin(std::string_view name);

/// What `all` stands for, in this order (never extensions).
std::span<const std::string_view> all_components();

} // namespace cback::actions
