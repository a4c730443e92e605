#pragma once

// A site's own Python extension, run through Cedar Backup 3's library. A
// site moving from the original may name, in its XML configuration, an
// extended action whose module is its own (say <module>mysite.backup</module>
// <function>run</function>). cback cannot load Python, but when the
// original's library is installed (Debian package cedar-backup3) it runs
//
//     /usr/bin/python3 BRIDGE --library DIR --config CONFIG_PATH
//                      --action NAME --module MODULE --function FUNCTION
//                      [--full] [--verbose] [--quiet] [--debug] [--output]
//
// through the command runner. BRIDGE (python_bridge.py in the source tree,
// installed as libexec/cback/python-bridge) imports the module and calls
// FUNCTION(configPath, options, config) as the original does, with the
// original's own Config read from CONFIG_PATH and an Options carrying
// cback's switches. See docs/configuration.md, "Extensions".

#include <cback/config/model.hpp>
#include <cback/context.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cback::extend {

/// The interpreter the bridge runs under: Debian's, the one the
/// cedar-backup3 package installs for.
inline constexpr const char* k_bridge_python = "/usr/bin/python3";

/// Where CedarBackup3 is looked for, unless CBACK_CEDAR_BACKUP3_DIR names
/// another directory (for tests: a directory without it stands for a host
/// without the package).
inline constexpr const char* k_cedar_library_dir = "/usr/lib/python3/dist-packages";
inline constexpr const char* k_cedar_library_env = "CBACK_CEDAR_BACKUP3_DIR";

/// True when `action` names a Python module of the site's own: a module
/// outside the original's extension packages (CedarBackup3.extend.*,
/// CedarBackup2.extend.*), and no `command`.
[[nodiscard]] bool is_site_module(const config::ExtendedAction& action);

/// The directory searched for the CedarBackup3 package (see above).
[[nodiscard]] std::filesystem::path cedar_library_dir();

/// Why the bridge cannot run on this host (no /usr/bin/python3, no
/// CedarBackup3 package in cedar_library_dir()); std::nullopt when it can.
[[nodiscard]] std::optional<std::string> bridge_unavailable();

/// The bridge script: next to the running program (the build tree), else
/// ../libexec/cback/python-bridge from it (the installed layout).
/// std::nullopt when neither exists.
[[nodiscard]] std::optional<std::filesystem::path> bridge_script();

enum class BridgeMode { run, check };

/// The argv that runs `action` through `script` (see above); with
/// BridgeMode::check the bridge only reads the configuration with the
/// original's Config and looks the function up, calling nothing.
[[nodiscard]] std::vector<std::string> bridge_argv(const Context& context,
                                                   const config::ExtendedAction& action,
                                                   const std::filesystem::path& script,
                                                   BridgeMode mode = BridgeMode::run);

/// Runs the site module of the extended action named `context.action`. Each
/// line the module logs goes to cback's log at its level, prefixed with the
/// action name; what it prints goes there at INFO. Throws Error(action),
/// naming the action and MODULE.FUNCTION, when the function raises, the
/// module or function cannot be found, the original cannot read the
/// configuration or the bridge cannot run.
void run_python_bridge(Context& context);

/// Runs the bridge in check mode for `action`: the problem, in a sentence,
/// or std::nullopt when the original reads the configuration and the
/// function exists. For `cback validate`.
[[nodiscard]] std::optional<std::string> check_site_module(Context& context,
                                                           const config::ExtendedAction& action);

} // namespace cback::extend
