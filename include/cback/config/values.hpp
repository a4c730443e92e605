#pragma once

// Value syntaxes of the configuration, as the original accepts them. Each
// function checks one string; none knows where the string came from.

#include <cback/config/model.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cback::config {

/// Python int() of a string: surrounding whitespace, an optional sign,
/// decimal digits with single underscores between them. nullopt if invalid
/// or out of the range of int64.
std::optional<std::int64_t> parse_python_int(std::string_view text);

/// Python float() of a string, finite values only: surrounding whitespace,
/// sign, digits with underscores, a fraction, an exponent. "inf" and "nan",
/// which Python accepts, are refused: no quantity in a configuration is
/// meant to be infinite.
std::optional<double> parse_python_float(std::string_view text);

/// A byte quantity (docs/compatibility.md, "Byte quantities"): trimmed text, an optional suffix KB,
/// MB or GB (powers of 1024), a float >= 0. The error says what is wrong.
std::optional<ByteQuantity> parse_byte_quantity(std::string_view text, std::string& error);

/// nullopt when `pattern` compiles as a regular expression; otherwise
/// PCRE2's message and the offset where it stopped. Patterns are compiled
/// with PCRE2_UTF | PCRE2_UCP, the closest PCRE2 gets to Python 3's `re`
/// on str patterns (Unicode \w, \d, \s). Matching code must use the same
/// options: see regex_options().
std::optional<std::string> regex_error(const std::string& pattern);
std::uint32_t regex_options();

/// ^[a-z0-9]*$ (action names, managed actions, dependencies, hook actions).
bool is_action_name(std::string_view text);
/// A Python identifier (ASCII): [A-Za-z_][A-Za-z0-9_]*.
bool is_identifier(std::string_view text);
/// Identifiers joined by dots, like a Python module name.
bool is_dotted_identifier(std::string_view text);
/// A SCSI id as the original's validateScsiId: "[method:]bus,target,lun" or
/// the Mac form "IO...Services[/N]", surrounding whitespace allowed.
bool is_scsi_id(std::string_view text);

/// Python's str.strip() for ASCII whitespace.
std::string_view strip(std::string_view text);

} // namespace cback::config
