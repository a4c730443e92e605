#pragma once

// The store action (reference §4.3): writes the day's staging directory to
// disc as a new session, or as a new disc on the starting day, with --full
// or by the blanking factor; verifies it with check_data; marks the day
// with cback.store. Also the pieces rebuild and initialize share with it.

#include <cback/actions/staging_layout.hpp>
#include <cback/collect/calendar.hpp>
#include <cback/config/model.hpp>
#include <cback/media/burner.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::actions {

struct StagingDay {
  std::filesystem::path dir;
  std::chrono::year_month_day day;
  bool crossed_midnight = false; ///< yesterday's or tomorrow's directory
};

/// Reference §4.3 step 3. Without --full: the first of today, yesterday and
/// tomorrow whose directory has cback.stage and no cback.store. With
/// --full: today's, which must have cback.stage (cback.store is ignored).
/// Throws cback::Error(action) when none qualifies.
StagingDay select_staging_day(const std::filesystem::path& staging_dir,
                              std::chrono::year_month_day today, collect::Full full);

/// Reference §4.3 step 7: --full (or a rebuild) starts a new disc; without
/// blank_behavior so does the starting day; with it, mode daily (or weekly
/// on the starting day) decides by the factor; otherwise append.
media::NewDisc new_disc_rule(collect::Full full, bool today_is_start,
                             const std::optional<config::BlankBehavior>& blank);

/// Peers the stage status record (cback.peers, docs/stage-status.md) of
/// `dir` lists as failed or not ready. Empty when there is no record (a
/// day staged by an older cback or by hand). Throws cback::Error(action)
/// naming the file when the record is unreadable or incomplete.
std::vector<std::string> failed_peers(const std::filesystem::path& dir);

/// Writes cback.store into each directory (atomically), owned by the backup
/// user when running as root.
void mark_stored(const Context& context, const std::vector<std::filesystem::path>& dirs);

/// The writer's options for this run ([store] section).
media::BurnerOptions burner_options_of(const Context& context);

/// Throws cback::Error(action) naming `action` unless the options and store
/// sections are configured.
void require_store_sections(const Context& context, std::string_view action);

/// The action.
void run_store(Context& context);

} // namespace cback::actions
