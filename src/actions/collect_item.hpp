#pragma once

// Internal to the collect action: one item from listing to committed
// archives and its next state written aside, the promotion of those states
// once the run completes, and the progress lines.

#include <cback/actions/collect.hpp>
#include <cback/collect/archive.hpp>
#include <cback/collect/items.hpp>
#include <cback/collect/manifest.hpp>
#include <cback/core/outputs.hpp>
#include <cback/core/perf.hpp>
#include <cback/core/progress.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cback::core {
class Logger;
class StopFlag;
} // namespace cback::core

namespace cback::actions::detail {

/// A progress callback for the archive `name`: its job on `board` with the
/// bytes read, the rate and the entries so far. Empty when progress is off.
collect::ProgressCallback archive_progress(core::ProgressBoard& board, std::string name);

/// What the collect of one item needs besides the item.
struct ItemServices {
  const CollectPlan& plan;
  io::Backend& backend; ///< reads the files and writes the archives
  core::Logger& log;
  const core::StopFlag& stop;
  const core::Outputs& outputs;
  core::ProgressBoard& progress;
  core::PerfRecorder& perf;
  unsigned compression_threads = 1;
};

/// An incremental item's next state, written completely (synced) beside the
/// current one, which it replaces only when the whole run has completed.
struct PendingState {
  std::filesystem::path pending; ///< pending_state_path(current)
  std::filesystem::path current; ///< the state the next run compares with
};

struct ItemOutcome {
  std::vector<collect::ManifestArchive> archives; ///< committed, in write order
  std::vector<collect::ManifestArchive> indexes;  ///< the archives' content indexes, same order
  std::vector<collect::Problem> problems;         ///< per path, already logged
  std::vector<std::string> deleted;               ///< incremental: gone since the state, sorted
  core::PerfSample perf;                          ///< walk and archive time, bytes, counts
  std::optional<std::string> failure;             ///< why the item failed
  std::optional<PendingState> next_state;         ///< incremental: its state changed
  bool interrupted = false;
};

/// The state of the incremental `item` in the plan's working_dir.
std::filesystem::path state_path(const CollectPlan& plan, const collect::CollectItem& item);
/// Where a run writes the next state of `state` until it completes:
/// STATE.next (docs/state-format.md).
std::filesystem::path pending_state_path(const std::filesystem::path& state);

/// Collects one item. Never throws: a failure is in the outcome (after the
/// archives already committed for it), and so is a stop request. An
/// incremental item never touches its current state: when the state
/// changed, the next one is committed as its pending file and named in
/// the outcome. Adds the item's timings to services.perf (stage "collect").
ItemOutcome collect_item(const collect::CollectItem& item, const ItemServices& services);

} // namespace cback::actions::detail
