#pragma once

// The sub-commands of cback-restore (docs/cback-restore.1): what each one
// asks, and the function that does it on a History. Each writes its
// report to `out`; errors are cback::Error.

#include <cback/core/log.hpp>
#include <cback/restore/history.hpp>
#include <cback/restore/pattern.hpp>

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace cback::restore {

/// `days`: one line per archive of each day and peer, with its kind and size.
void list_days(History& history, std::ostream& out);

struct FindRequest {
  std::vector<PathPattern> patterns;
  std::optional<std::string> peer;
  std::optional<Day> since;
  std::optional<Day> until;
};

/// `find`: every version of every matching path, and its deletions.
/// Returns the number of lines written.
std::size_t find_versions(History& history, const FindRequest& request, std::ostream& out);

} // namespace cback::restore
