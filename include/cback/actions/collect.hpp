#pragma once

// The collect action (docs/compatibility.md, "Collect"): archives the configured files and
// directories into collect_dir, one archive per item (or per sub-item with
// recursion levels), several items at once. Incremental items archive only
// what changed since their current state and write the next state aside
// (STATE.next). At the end it writes the manifest (collect/manifest.hpp)
// and, when every item succeeded, cback.collect; only then do the next
// states replace the current ones. A run that fails, is stopped or is
// killed therefore advances no state, and the next run archives the same
// changes again (docs/state-format.md, "When a state advances").

#include <cback/collect/items.hpp>
#include <cback/collect/state.hpp>
#include <cback/core/run_flags.hpp>

#include <chrono>
#include <filesystem>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::actions {

/// What one collect run does, resolved from the configuration and switches.
struct CollectPlan {
  std::vector<collect::CollectItem> items; ///< files first, then dirs
  std::filesystem::path collect_dir;
  std::filesystem::path working_dir;
  std::chrono::year_month_day today;
  bool today_is_start = false;
  core::Full full = core::Full::no;
  collect::ChangeBasis basis = collect::ChangeBasis::stat;
  collect::Cumulative cumulative = collect::Cumulative::no;
  unsigned threads = 1; ///< items collected at once
};

/// The plan for `context` on `today`: requires the options and collect
/// sections (else cback::Error(action)), at least one item, and a working
/// directory when an item is incremental (its state lives there).
CollectPlan plan_collect(const Context& context, std::chrono::year_month_day today);

/// The action, for the day core::today() (CBACK_TODAY in tests): each
/// archive is a collect::ArchiveStream on the run's io backend
/// (Context::io). Throws Error(action) "Collect failed for N item(s): ..."
/// after finishing the other items when any item failed (the manifest is
/// written, cback.collect is not); Error(interrupted) when the run is
/// stopped. In both cases every incremental state is left as it was;
/// pending states left by a killed run are removed when it starts.
void run_collect(Context& context);

} // namespace cback::actions
