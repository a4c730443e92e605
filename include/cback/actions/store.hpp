#pragma once

// The store action (docs/compatibility.md, "Store"): writes the day's staging directory to
// disc as a new session, or as a new disc on the starting day, with --full
// or by the blanking factor; verifies it with check_data; marks the day
// with cback.store. Also the pieces rebuild and initialize share with it.

#include <cback/actions/staging_layout.hpp>
#include <cback/config/model.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/outputs.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/run_flags.hpp>
#include <cback/media/burner.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::core {
class Logger;
}

namespace cback::actions {

struct StagingDay {
  std::filesystem::path dir;
  std::chrono::year_month_day day;
  bool crossed_midnight = false; ///< yesterday's or tomorrow's directory
};

/// The day to store. Without --full: the first of today, yesterday and
/// tomorrow whose directory has cback.stage and no `done` indicator
/// (cback.store; the amazons3 extension chooses its day the same way with
/// cback.amazons3). With --full: today's, which must have cback.stage (the
/// `done` indicator is ignored). Throws cback::Error(action) when none
/// qualifies (docs/compatibility.md).
StagingDay select_staging_day(const std::filesystem::path& staging_dir,
                              std::chrono::year_month_day today, core::Full full,
                              std::string_view done = k_store_indicator);

/// The new-disc rule: --full (or a rebuild) starts a new disc; without
/// blank_behavior so does the starting day; with it, mode daily (or weekly
/// on the starting day) decides by the factor; otherwise append.
media::NewDisc new_disc_rule(core::Full full, bool today_is_start,
                             const std::optional<config::BlankBehavior>& blank);

/// What keeps a staged day from being complete (docs/stage-status.md,
/// "A complete day").
struct DayGaps {
  std::vector<std::string> partial_files; ///< `*.partial` below the day, relative, sorted
  std::string record_error;               ///< the record is missing, unreadable or incomplete
  std::vector<std::string> missing_peers; ///< configured peers the record does not list
  std::vector<std::string> failed_peers;  ///< peers it lists as failed or not ready
  [[nodiscard]] bool complete() const;
};

/// Inspects the daily directory `dir`: every `*.partial` below it
/// (symlinks are not followed) and its stage status record (cback.peers)
/// against `peers`, the names of the configured peers. Throws
/// cback::Error(action) naming the directory when it cannot be read.
DayGaps inspect_day(const std::filesystem::path& dir, const std::vector<std::string>& peers);

/// What require_complete_day lets through.
enum class IncompleteDay {
  refuse,     ///< store: every gap refuses the day
  warn,       ///< allow_failed_peers, rebuild: gaps of the record are warnings
  files_only, ///< cback-span: only partial files count (the record is not read)
};

/// The one check store, rebuild and cback-span make before they write a
/// staged day. Throws cback::Error(action) naming `dir` and every gap the
/// policy does not let through; a partial file is never let through.
/// Returns the gaps let through, one text each, for a WARNING.
std::vector<std::string> require_complete_day(const std::filesystem::path& dir,
                                              const std::vector<std::string>& peers,
                                              IncompleteDay policy);

/// The names of the configured peers a day's record must list
/// (stage_peers: [stage] peers if any, else [peers]).
std::vector<std::string> configured_peer_names(const config::Config& config);

/// Writes cback.store into each directory (atomically), given to the backup
/// user by `outputs`. Store, rebuild and cback-span all mark their days with it.
void mark_stored(const core::Outputs& outputs, const std::vector<std::filesystem::path>& dirs,
                 core::Logger& log);

/// The writer's options for this run ([store] section), the {week} of a
/// target_device pattern replaced by the start of today's week.
media::BurnerOptions burner_options_of(const Context& context);

/// The least the image of the staged directory `dir` can take: every
/// regular file's bytes rounded up to whole sectors (the image adds its
/// directories and tables). Links are not followed. Throws
/// cback::Error(action) naming the directory when it cannot be read.
std::int64_t least_image_bytes(const std::filesystem::path& dir);

/// The write of an image as a job on the run's progress board, called
/// `name`: the image bytes written of the whole, rate, time left, and how
/// full the FIFO and (when the drive reports it) its buffer are.
media::WriteObserver image_progress(core::ProgressBoard& board, std::string name);

/// What the write of `result` adds to the --perf table under (`stage`,
/// `name`): the staged files and bytes read, the image bytes written.
void record_write(Context& context, std::string_view stage, const std::string& name,
                  const media::BurnResult& result);

/// Throws cback::Error(action) naming `action` unless the options and store
/// sections are configured.
void require_store_sections(const Context& context, std::string_view action);

/// The action.
void run_store(Context& context);

} // namespace cback::actions
