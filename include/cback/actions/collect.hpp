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

#include <cback/collect/archive.hpp>
#include <cback/collect/items.hpp>
#include <cback/collect/state.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/run_flags.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::actions {

/// Writes one archive; the real one is collect::write_archive on the run's
/// io backend. Called from several threads at once. Must commit the target
/// completely or throw cback::Error (leaving no target behind).
using ArchiveWriter = std::function<collect::ArchiveResult(
    const std::vector<collect::Entry>& entries, const std::filesystem::path& target,
    const collect::ArchiveOptions& options, const collect::ProgressCallback& progress)>;

/// One archive being written entry by entry. Destroying it before commit()
/// abandons it: no target is left behind.
class ArchiveBuilder {
public:
  virtual ~ArchiveBuilder() = default;
  virtual void add(collect::Entry entry) = 0;
  /// Must commit the target completely or throw cback::Error (leaving no
  /// target behind).
  virtual collect::ArchiveResult commit() = 0;
};

/// Starts one archive; the real one is a collect::ArchiveStream on the
/// run's io backend. Called from several threads at once.
using ArchiveOpener = std::function<std::unique_ptr<ArchiveBuilder>(
    const std::filesystem::path& target, const collect::ArchiveOptions& options,
    const collect::ProgressCallback& progress)>;

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
  unsigned threads = 1;  ///< items collected at once
  bool progress = false; ///< print a progress line per archive on stdout
};

/// The plan for `context` on `today`: requires the options and collect
/// sections (else cback::Error(action)), at least one item, and a working
/// directory when an item is incremental (its state lives there).
CollectPlan plan_collect(const Context& context, std::chrono::year_month_day today);

/// Runs the action with `writer`. Throws Error(action) "Collect failed for
/// N item(s): ..." after finishing the other items when any item failed
/// (the manifest is written, cback.collect is not); Error(interrupted) when
/// the run is stopped. In both cases every incremental state is left as it
/// was; pending states left by a killed run are removed when it starts.
void run_collect_with(Context& context, const CollectPlan& plan, const ArchiveWriter& writer);

/// The same with archives written as the walk goes (memory bounded
/// whatever the size of the tree); run_collect_with gathers each archive's
/// entries for its writer first.
void run_collect_streaming(Context& context, const CollectPlan& plan, const ArchiveOpener& open);

/// The action: plan_collect for core::today(), the run's io backend
/// (Context::io), collect::write_archive.
void run_collect(Context& context);

} // namespace cback::actions
