#pragma once

// The sub-commands of cback-restore (docs/cback-restore.1): what each one
// asks, and the function that does it on a History. Each writes its
// report to `out`; errors are cback::Error.

#include <cback/core/log.hpp>
#include <cback/core/stop.hpp>
#include <cback/restore/history.hpp>
#include <cback/restore/pattern.hpp>
#include <cback/restore/tree_writer.hpp>

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace cback::core {
class ProgressBoard;
}

namespace cback::restore {

/// `days`: one line per archive of each day and peer, with its kind and size.
void list_days(History& history, std::ostream& out);

struct FindRequest {
  std::vector<PathPattern> patterns;
  std::optional<std::string> peer;
  std::optional<Day> since;
  std::optional<Day> until;
};

struct FindResult {
  std::size_t lines = 0;
  std::vector<std::string> damaged; ///< archives that could not be read, and why
};

/// `find`: every version of every matching path, and its deletions. An
/// archive that cannot be read is passed over and named in the result.
FindResult find_versions(History& history, const FindRequest& request, std::ostream& out);

struct ExtractRequest {
  Day date{};
  std::optional<std::string> peer;
  std::filesystem::path to;
  std::vector<std::string> paths; ///< original absolute paths
  Overwrite overwrite = Overwrite::no;
  bool dry_run = false;
  core::ProgressBoard* progress = nullptr; ///< the extract's line goes there; may be null
};

struct ExtractReport {
  std::size_t entries = 0; ///< written (or, with dry_run, that would be)
  std::uint64_t bytes = 0;
  std::vector<std::string> refused; ///< members that were not written, and why
};

/// `extract`: the paths as they were at the end of the day, written below
/// `to` (or listed on `out`, with dry_run). Every archive read is first
/// checked against its manifest; a damaged one stops the restore naming
/// it, before anything is written. Members that cannot be written safely
/// are refused one by one and listed in the report.
ExtractReport extract(History& history, const ExtractRequest& request, core::Logger& log,
                      const core::StopFlag& stop, std::ostream& out);

struct VerifyReport {
  std::size_t checked = 0;
  std::vector<std::string> damaged; ///< one message per damaged or missing file, naming it
};

/// `verify`: each archive (of `date` only, when given) against its
/// manifest's size and SHA-256, and read to its end; every file a manifest
/// lists must be there. One line per archive on `out`.
VerifyReport verify(History& history, std::optional<Day> date, const core::StopFlag& stop,
                    std::ostream& out);

} // namespace cback::restore
