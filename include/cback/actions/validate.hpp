#pragma once

// The validate action (docs/compatibility.md, "Validate"): checks that the configuration can
// be used on this machine (directories, users, the backup device, the
// extensions), reports every problem, and takes no other action.

#include <cback/config/model.hpp>

#include <string>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::actions {

/// What validate asks of the system. The real one asks the kernel (stat,
/// access(2), getpwnam/getgrnam); tests may answer differently (as root,
/// access(2) says yes to nearly everything).
class SystemProbe {
public:
  virtual ~SystemProbe() = default;
  [[nodiscard]] virtual bool exists(const std::string& path) const;
  [[nodiscard]] virtual bool is_directory(const std::string& path) const;
  /// access(2) with R_OK, W_OK or X_OK.
  [[nodiscard]] virtual bool can(const std::string& path, int access_mode) const;
  [[nodiscard]] virtual bool user_exists(const std::string& name) const;
  [[nodiscard]] virtual bool group_exists(const std::string& name) const;
};

/// Every problem this machine's files show, in the original's order
/// (options, the hook programs, collect, stage, store, purge, extensions),
/// each a complete sentence. Empty when the configuration is valid. A
/// missing [reference] section is no problem (it is optional, as
/// cback-config check says).
std::vector<std::string> validation_problems(const config::Config& config,
                                             const SystemProbe& probe = SystemProbe());

/// The action: validation_problems, then (unless --offline) what the
/// night's connections show: every remote peer over SSH (reachable, host
/// key known and unchanged, key accepted), the encrypt recipient in
/// gpg's keyring and each site Python module (the original reads the
/// configuration, the function exists: extend/python_bridge.hpp). Logs
/// each problem (ERROR, or INFO with -q), then "Configuration is valid."
/// or "Configuration is not valid.". An invalid
/// configuration throws cback::Error(ExitCode::config), so the run exits 4
/// (the original exited 0: a deliberate difference, so scripts can tell).
void run_validate(Context& context);

} // namespace cback::actions
