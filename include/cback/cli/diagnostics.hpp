#pragma once

// Runtime diagnostics (docs/compatibility.md, "Diagnostics"): printed by
// --diagnostics and logged at INFO at the start of every run, for bug
// reports.

#include <string>
#include <utility>
#include <vector>

namespace cback {
class Error;
namespace core {
class Logger;
}
} // namespace cback

namespace cback::cli {

/// (key, value) pairs, keys lower-case as the original's ("version").
using DiagnosticValues = std::vector<std::pair<std::string, std::string>>;

/// cback's values: encoding, locale, platform, timestamp, version, compiler
/// and the versions of the main libraries, read from each library at run
/// time where it has a version call (else the version it was built with).
DiagnosticValues diagnostic_values();

/// One line per value: keys sorted and title-cased ("Libarchive"), padded
/// with dots to the longest key + 3, then ": value"; each line starts with
/// `prefix`.
std::vector<std::string> diagnostic_lines(const DiagnosticValues& values,
                                          const std::string& prefix = "");

/// The --diagnostics block: a blank line, "Diagnostics:", a blank line, the
/// lines indented by three spaces, a blank line.
std::string diagnostics_block(const DiagnosticValues& values);

/// -s --stack: where `error` was made, innermost frame first, in the log
/// (INFO) and on stderr.
void report_stack(core::Logger& log, const Error& error);

} // namespace cback::cli
