#pragma once

#include <cback/config/model.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cback::extend {

/// A built-in extension (docs/compatibility.md, "Extensions"): sysinfo, mysql, postgresql,
/// subversion, mbox, encrypt, split, capacity, amazons3.
///
/// This table only names them: the configuration's rules check names
/// without linking every extension (and the libraries each one needs) into
/// every program. runner_of() gives the function that runs one.
enum class Builtin {
  sysinfo,
  mysql,
  postgresql,
  subversion,
  mbox,
  encrypt,
  split,
  capacity,
  amazons3,
  command,
  python_bridge,
};

struct BuiltinExtension {
  std::string_view name;
  int suggested_index;
  Builtin id;
};

std::span<const BuiltinExtension> builtin_extensions();

/// Which built-in implements a configured extended action: the legacy
/// module "CedarBackup3.extend.X" / "CedarBackup2.extend.X" with function
/// "executeAction" maps to X; with no module (TOML), the action's name.
/// An action with a `command` is the command extension, whatever its module.
/// Any other module (the site's own) is the Python bridge
/// (python_bridge.hpp), which the load-time rules accept only in an XML
/// configuration and when Cedar Backup 3's library is installed.
/// nullptr when nothing matches (a configuration error, exit 4).
const BuiltinExtension* resolve(const config::ExtendedAction& action);

} // namespace cback::extend
