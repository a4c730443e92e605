#pragma once

// Private to the rules: one function per group of sections, and the few
// helpers they share. check_rules (src/config/rules.cpp) runs them all.

#include <cback/config/location.hpp>
#include <cback/config/model.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace cback::config::rules {

/// Which sections are required, whatever else the document holds.
void check_document(const Config& config, Problems& problems);
/// Extended actions: names, index/depends per order mode, built-in mapping,
/// and the sections each built-in extension needs.
void check_extensions(const Config& config, Problems& problems);
/// The <peers> list and the <stage> peer list.
void check_peers(const Config& config, Problems& problems);
void check_collect(const Config& config, Problems& problems);
void check_store(const Config& config, Problems& problems);
/// The sections of the built-in extensions (docs/compatibility.md, "Extension sections").
void check_extension_sections(const Config& config, Problems& problems);

/// Where a problem about a missing section is reported: the document.
inline Location document_location(const Config& config) {
  return Location{config.path, 0, 0};
}

inline void report(Problems& problems, const Where& where, std::string message) {
  problems.push_back(Problem{where.loc, std::move(message)});
}

/// A float as Python's float() reads a number: surrounding blanks and a
/// leading '+' allowed; nullopt when it is not a finite number.
std::optional<double> parse_float(std::string_view text);

} // namespace cback::config::rules
