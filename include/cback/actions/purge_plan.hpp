#pragma once

// What the purge action deletes (docs/compatibility.md, "Purge"); the deleting is the
// action's. Kept apart so the selection can be tested without deleting.

#include <cback/collect/problem.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace cback::actions {

/// What makes a file "used" recently.
enum class AgeBasis {
  max_atime_mtime, ///< the original: reading a file renews it
  mtime,           ///< new: only a modification renews it
};

struct PurgePlan {
  std::vector<std::string> remove;        ///< files and symlinks to unlink, in walk order
  std::vector<std::string> rmdir;         ///< real directories to try rmdir on, deepest first
  std::vector<collect::Problem> problems; ///< unreadable directories (not purged)
};

/// Everything below `dir` (never `dir` itself): regular files whose age in
/// whole days (floor, at least 0) is below `retain_days` are kept; symlinks
/// (to files or directories) and directories are never age-filtered. Broken
/// symlinks, FIFOs, sockets and devices are left alone, as in the original;
/// symlinks are not followed. Throws cback::Error (action) if `dir` is not a
/// directory or `retain_days` is negative.
PurgePlan plan_purge(const std::string& dir, int retain_days,
                     std::chrono::system_clock::time_point now, AgeBasis basis);

} // namespace cback::actions
