#pragma once

#include <cback/config/location.hpp>
#include <cback/config/model.hpp>

namespace cback::config {

/// The load-time rules that involve more than one field or section
/// (listed in docs/configuration.md): which sections are required, modes given on the
/// item or as the section default, peer and managed-peer requirements,
/// extension actions and their sections. Field-level checks (types, enums,
/// absolute paths, regexes) are done by the readers. Appends one Problem per
/// violation, located at the offending element or table.
void check_rules(const Config& config, Problems& problems);

} // namespace cback::config
