#include <cback/extend/registry.hpp>

#include <cback/context.hpp>
#include <cback/extend/amazons3.hpp>
#include <cback/extend/capacity.hpp>
#include <cback/extend/command.hpp>
#include <cback/extend/encrypt.hpp>
#include <cback/extend/mbox.hpp>
#include <cback/extend/mysql.hpp>
#include <cback/extend/postgresql.hpp>
#include <cback/extend/python_bridge.hpp>
#include <cback/extend/split.hpp>
#include <cback/extend/subversion.hpp>
#include <cback/extend/sysinfo.hpp>

#include <array>

namespace cback::extend {
namespace {

constexpr char k_sysinfo[] = "sysinfo";
constexpr char k_mysql[] = "mysql";
constexpr char k_postgresql[] = "postgresql";
constexpr char k_subversion[] = "subversion";
constexpr char k_mbox[] = "mbox";
constexpr char k_encrypt[] = "encrypt";
constexpr char k_split[] = "split";
constexpr char k_capacity[] = "capacity";
constexpr char k_amazons3[] = "amazons3";

constexpr std::array k_extensions{
    BuiltinExtension{k_sysinfo, 99, &run_sysinfo},
    BuiltinExtension{k_mysql, 99, &run_mysql},
    BuiltinExtension{k_postgresql, 99, &run_postgresql},
    BuiltinExtension{k_subversion, 99, &run_subversion},
    BuiltinExtension{k_mbox, 99, &run_mbox},
    BuiltinExtension{k_encrypt, 299, &run_encrypt},
    BuiltinExtension{k_split, 299, &run_split},
    BuiltinExtension{k_capacity, 299, &run_capacity},
    BuiltinExtension{k_amazons3, 201, &run_amazons3},
};

// Not in the list above: it is chosen by an action's `command` key, never
// by name.
constexpr BuiltinExtension k_command{"command", 99, &run_command};

// Nor this one: a site's own Python module, run through Cedar Backup 3's
// library (python_bridge.hpp) when its module is no module of the original.
constexpr BuiltinExtension k_python_bridge{"python-bridge", 99, &run_python_bridge};

const BuiltinExtension* find(std::string_view name) {
  for (const auto& extension : k_extensions) {
    if (extension.name == name) {
      return &extension;
    }
  }
  return nullptr;
}

} // namespace

std::span<const BuiltinExtension> builtin_extensions() {
  return k_extensions;
}

const BuiltinExtension* resolve(const config::ExtendedAction& action) {
  if (action.command) {
    return &k_command;
  }
  if (is_site_module(action)) {
    return &k_python_bridge;
  }
  if (!action.module) {
    return find(action.name);
  }
  if (action.function && *action.function != "executeAction") {
    return nullptr;
  }
  for (std::string_view prefix : {"CedarBackup3.extend.", "CedarBackup2.extend."}) {
    if (action.module->starts_with(prefix)) {
      return find(std::string_view(*action.module).substr(prefix.size()));
    }
  }
  return nullptr;
}

} // namespace cback::extend
