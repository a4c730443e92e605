#pragma once

// The purge action (docs/compatibility.md, "Purge"): in each configured directory, deletes
// the files older than its retain_days (see purge_plan.hpp for which), then
// the directories left empty.

#include <chrono>
#include <cstddef>

namespace cback {
struct Context;
}

namespace cback::actions {

/// Counts of what one directory's purge removed.
struct PurgeCounts {
  std::size_t files = 0; ///< files and symlinks
  std::size_t dirs = 0;
};

/// Purges every [[purge.dir]] as of `now`. Requires the options and purge
/// sections; a directory that does not exist throws cback::Error(action)
/// naming it (the directories before it are purged already, as the
/// original). Deletion errors are ignored (logged at DEBUG).
void run_purge_at(Context& context, std::chrono::system_clock::time_point now);

/// The action: run_purge_at(now).
void run_purge(Context& context);

} // namespace cback::actions
