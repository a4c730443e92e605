#pragma once

// Running the planned items (docs/compatibility.md, "Hooks"): pre-action hooks, the
// action, post-action hooks, for local items; managed items go to their
// peers. The first error stops the run, except a failed managed client:
// the run goes on and fails with exit 6 at the end (peer/managed.hpp).

#include <cback/cli/action_set.hpp>
#include <cback/config/model.hpp>

#include <string>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::cli {

enum class HookKind { pre_action, post_action };

/// Runs each hook in config order, split like the original's
/// splitCommandLine and run without a shell. A hook that exits non-zero is
/// logged ("Hook failed, tail is: ...") and throws cback::Error(
/// ExitCode::action, "Error (N) executing pre-action hook for action X:
/// ['cmd', 'arg']").
void run_hooks(Context& context, const std::vector<config::ActionHook>& hooks, HookKind kind);

/// Runs every item in order. A stop request (SIGINT/SIGTERM) between or
/// during items throws cback::Error(ExitCode::interrupted). A failing
/// action's post-action hooks do not run.
void execute(const ActionPlan& plan, Context& context);

} // namespace cback::cli
