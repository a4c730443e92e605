#pragma once

// Which archives, in which order, give an item as it was at the end of a
// day (docs/manifest.md, "Restoring an incremental item"): the item's last
// full archive on or before the day, then each later day up to it in
// order — first that day's `deleted` paths, then its incremental archive.
// With `cumulative = true` each incremental already holds every change
// since the full one, so only the last day is applied.

#include <cback/config/model.hpp>
#include <cback/restore/catalog.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cback::restore {

enum class VersionKind {
  full,        ///< the whole item (a daily or weekly item, an incremental one's first)
  incremental, ///< the changes since an earlier archive
  unknown,     ///< an incremental item's archive, or nothing is known of the item
};

/// One archive of an item on one day.
struct Occurrence {
  Day day{};
  VersionKind kind = VersionKind::unknown;
};

/// Everything the days hold of one item of one peer, by day.
struct ItemHistory {
  std::vector<Occurrence> archives;
  std::vector<Day> deletion_days; ///< days whose manifest lists deleted paths of the item
  bool cumulative = false;
};

struct ReplayStep {
  Day day{};
  bool deletions = false; ///< apply that day's deleted paths first
  bool archive = false;   ///< then extract that day's archive
  bool operator==(const ReplayStep&) const = default;
};

/// Whether the i-th archive of the history is a full one: as its kind says,
/// or for an unknown kind, when it is on the week's starting day or the
/// item's first.
bool is_full(const ItemHistory& history, std::size_t i, std::chrono::weekday starting_day);

/// The steps that restore the item as of the end of `date`, the full
/// archive first; empty when the item has no archive on or before it. An
/// archive of unknown kind is full on the week's starting day or when no
/// earlier archive of the item exists, and incremental otherwise
/// (is_full; a `--full` run in mid-week is known only from a content
/// index).
std::vector<ReplayStep> plan_replay(const ItemHistory& history, Day date,
                                    std::chrono::weekday starting_day);

/// What the configuration says of the item whose archives are named `key`
/// (the archive name without extension) on peer `peer`: only the peers this
/// configuration collects itself (local peers) are known.
struct ItemKnowledge {
  bool known = false;
  bool always_full = false; ///< daily or weekly
  bool cumulative = false;
};
ItemKnowledge knowledge_of(const config::Config& config, const std::string& peer,
                           const std::string& key);

/// The configured first day of the week (Monday unless set).
std::chrono::weekday starting_day_of(const config::Config& config);

} // namespace cback::restore
