#pragma once

// The `command` extension (new): a site's own extended action is an
// executable named by the action's `command` key. cback runs it as
//
//     COMMAND CONFIG_PATH ACTION_NAME [--full]
//
// without a shell, with the environment every external command gets (see
// core/process.hpp), logs what it prints and treats a non-zero exit as the
// action's failure. This replaces the original's Python extension modules,
// which cback cannot load.

#include <string>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::config {
struct ExtendedAction;
}

namespace cback::extend {

/// Runs the command of the extended action named `context.action`. Its
/// output lines are logged at INFO, prefixed with the action name. Throws
/// Error(action) naming the action and the command when the command cannot
/// run or exits non-zero.
void run_command(Context& context);

/// The argv run for `action` (its command, the config path, the action's
/// name and --full when the run is a full one).
std::vector<std::string> command_argv(const Context& context, const config::ExtendedAction& action);

} // namespace cback::extend
