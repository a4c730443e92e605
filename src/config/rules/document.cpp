#include "checks.hpp"

#include <cback/extend/python_bridge.hpp>
#include <cback/extend/registry.hpp>

#include <array>
#include <fmt/format.h>
#include <set>

namespace cback::config::rules {
namespace {

/// What a built-in extension needs besides <options>: its own section (if
/// it has one) and the core section it works in. The original checks these
/// only when the extension runs (exit 6); we check them at load time.
struct ExtensionNeeds {
  std::string_view extension;
  std::string_view own_label; ///< the original's name for the section; empty = none
  bool (*has_own)(const Config&);
  std::string_view core_section;
  bool (*has_core)(const Config&);
};

bool has_collect(const Config& c) {
  return c.collect.has_value();
}
bool has_stage(const Config& c) {
  return c.stage.has_value();
}
bool has_store(const Config& c) {
  return c.store.has_value();
}

constexpr std::array k_needs{
    ExtensionNeeds{"sysinfo", "", nullptr, "collect", &has_collect},
    ExtensionNeeds{"mysql", "Mysql", [](const Config& c) { return c.mysql.has_value(); }, "collect",
                   &has_collect},
    ExtensionNeeds{"postgresql", "PostgreSQL",
                   [](const Config& c) { return c.postgresql.has_value(); }, "collect",
                   &has_collect},
    ExtensionNeeds{"subversion", "Subversion",
                   [](const Config& c) { return c.subversion.has_value(); }, "collect",
                   &has_collect},
    ExtensionNeeds{"mbox", "Mbox", [](const Config& c) { return c.mbox.has_value(); }, "collect",
                   &has_collect},
    ExtensionNeeds{"encrypt", "Encrypt", [](const Config& c) { return c.encrypt.has_value(); },
                   "stage", &has_stage},
    ExtensionNeeds{"split", "Split", [](const Config& c) { return c.split.has_value(); }, "stage",
                   &has_stage},
    ExtensionNeeds{"capacity", "Capacity", [](const Config& c) { return c.capacity.has_value(); },
                   "store", &has_store},
    ExtensionNeeds{"amazons3", "AmazonS3", [](const Config& c) { return c.amazons3.has_value(); },
                   "stage", &has_stage},
};

const ExtensionNeeds* needs_of(std::string_view extension) {
  for (const auto& needs : k_needs) {
    if (needs.extension == extension) {
      return &needs;
    }
  }
  return nullptr;
}

std::string builtin_names() {
  std::string names;
  for (const auto& extension : extend::builtin_extensions()) {
    names += names.empty() ? "" : ", ";
    names += extension.name;
  }
  return names;
}

void report_unresolved(const ExtendedAction& action, Problems& problems) {
  if (!action.module) {
    report(problems, action.where,
           fmt::format("Extended action [{}] is not a built-in extension (one of {}).", action.name,
                       builtin_names()));
    return;
  }
  report(problems, action.where,
         fmt::format("Extended action [{}]: module [{}] with function [{}] is not a built-in "
                     "extension (expected CedarBackup3.extend.NAME with executeAction, NAME one "
                     "of {}).",
                     action.name, *action.module, action.function.value_or(""), builtin_names()));
}

// A site's own Python module runs through Cedar Backup 3's library
// (extend/python_bridge.hpp), which reads the XML configuration itself:
// from TOML, or without that library, the action cannot run, so the file
// is refused now rather than at night.
void check_site_module(const Config& config, const ExtendedAction& action, Problems& problems) {
  const auto way_forward = "or run the site's code through the command extension (see "
                           "docs/configuration.md, \"Extensions\")";
  if (config.format != Format::xml) {
    report(problems, action.where,
           fmt::format("Extended action [{}]: module [{}] is a Python module, which cback runs "
                       "through Cedar Backup 3 from an XML configuration only: keep this "
                       "configuration in XML, {}.",
                       action.name, *action.module, way_forward));
    return;
  }
  if (const auto unavailable = extend::bridge_unavailable()) {
    report(problems, action.where,
           fmt::format("Extended action [{}]: module [{}] is not a built-in extension; cback "
                       "runs it through Cedar Backup 3's Python library (Debian package "
                       "cedar-backup3), which is not installed here ({}): install it, {}.",
                       action.name, *action.module, *unavailable, way_forward));
  }
}

void check_needs(const Config& config, const ExtendedAction& action,
                 const extend::BuiltinExtension& builtin, Problems& problems) {
  const ExtensionNeeds* needs = needs_of(builtin.name);
  if (needs == nullptr) {
    return;
  }
  if (needs->has_own != nullptr && !needs->has_own(config)) {
    report(problems, action.where,
           fmt::format("{} section is required (by extended action [{}]).", needs->own_label,
                       action.name));
  }
  if (!needs->has_core(config)) {
    report(problems, action.where,
           fmt::format("The {} section is required (by extended action [{}]).", needs->core_section,
                       action.name));
  }
}

void check_order_fields(OrderMode mode, const ExtendedAction& action, Problems& problems) {
  if (mode == OrderMode::index && !action.index) {
    report(problems, action.where,
           fmt::format("Each extended action must set an index, based on order mode "
                       "(extended action [{}]).",
                       action.name));
  }
  if (mode == OrderMode::dependency && !action.depends) {
    report(problems, action.where,
           fmt::format("Each extended action must set dependency information, based on order "
                       "mode (extended action [{}]).",
                       action.name));
  }
}

} // namespace

void check_document(const Config& config, Problems& problems) {
  if (!config.collect && !config.stage && !config.store && !config.purge) {
    problems.push_back(
        {document_location(config),
         "At least one of the collect, stage, store and purge sections is required."});
  }
  if (!config.options) {
    problems.push_back({document_location(config), "The options section is required."});
  }
}

void check_extensions(const Config& config, Problems& problems) {
  if (!config.extensions) {
    return;
  }
  std::set<std::string> seen;
  for (const auto& action : config.extensions->actions) {
    if (!seen.insert(action.name).second) {
      report(problems, action.where,
             fmt::format("Duplicate extension names exist: [{}].", action.name));
    }
    check_order_fields(config.extensions->order_mode, action, problems);
    if (extend::is_site_module(action)) {
      check_site_module(config, action, problems);
      continue;
    }
    const extend::BuiltinExtension* builtin = extend::resolve(action);
    if (builtin == nullptr) {
      report_unresolved(action, problems);
    } else {
      check_needs(config, action, *builtin, problems);
    }
  }
}

} // namespace cback::config::rules
