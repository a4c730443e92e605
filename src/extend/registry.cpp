#include <cback/extend/registry.hpp>

#include <cback/extend/python_bridge.hpp>

#include <array>

namespace cback::extend {
namespace {

constexpr std::array k_extensions{
    BuiltinExtension{"sysinfo", 99, Builtin::sysinfo},
    BuiltinExtension{"mysql", 99, Builtin::mysql},
    BuiltinExtension{"postgresql", 99, Builtin::postgresql},
    BuiltinExtension{"subversion", 99, Builtin::subversion},
    BuiltinExtension{"mbox", 99, Builtin::mbox},
    BuiltinExtension{"encrypt", 299, Builtin::encrypt},
    BuiltinExtension{"split", 299, Builtin::split},
    BuiltinExtension{"capacity", 299, Builtin::capacity},
    BuiltinExtension{"amazons3", 201, Builtin::amazons3},
};

// Not in the list above: it is chosen by an action's `command` key, never
// by name.
constexpr BuiltinExtension k_command{"command", 99, Builtin::command};

// Nor this one: a site's own Python module, run through Cedar Backup 3's
// library (python_bridge.hpp) when its module is no module of the original.
constexpr BuiltinExtension k_python_bridge{"python-bridge", 99, Builtin::python_bridge};

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
