#include "collect_item.hpp"

#include <cback/collect/naming.hpp>
#include <cback/collect/state.hpp>
#include <cback/collect/walker.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/stop.hpp>

#include <algorithm>
#include <exception>
#include <iterator>

#include <fmt/format.h>

namespace cback::actions::detail {

namespace {

using collect::ArchiveUnit;
using collect::CollectItem;
using collect::Entry;
using collect::EntryKind;
using collect::ItemType;

std::string_view kind_name(ItemType type) {
  return type == ItemType::file ? "file" : "directory";
}

std::uint64_t listed_bytes(const ArchiveUnit& unit) {
  std::uint64_t total = 0;
  for (const auto& entry : unit.entries) {
    if (entry.kind != EntryKind::directory && entry.stat.size > 0) {
      total += static_cast<std::uint64_t>(entry.stat.size);
    }
  }
  return total;
}

std::size_t listed_files(const ArchiveUnit& unit) {
  std::size_t count = 0;
  for (const auto& entry : unit.entries) {
    count += entry.kind != EntryKind::directory ? 1 : 0;
  }
  return count;
}

// The archive units of an item; per-path problems of the walk are logged
// and kept for the manifest.
std::vector<ArchiveUnit> list_item(const CollectItem& item, ItemOutcome& outcome,
                                   core::Logger& log) {
  if (item.type == ItemType::file) {
    return {collect::Walker::list_file(item.abs_path)};
  }
  collect::Walker walker{collect::ExclusionMatcher(item.exclusions)};
  auto walk = walker.list_dir(item.abs_path, item.walk);
  for (auto& problem : walk.problems) {
    log.warning("Skipped [{}] while listing [{}]: {}", problem.path, item.abs_path,
                problem.message);
    outcome.problems.push_back(std::move(problem));
  }
  return std::move(walk.units);
}

// The changed entries of `unit` plus the directories of the unit that hold
// them (so that an incremental archive restores their modes and times), in
// walk order.
ArchiveUnit changed_part(const ArchiveUnit& unit, const std::vector<Entry>& changed) {
  collect::StringSet wanted;
  collect::StringSet directories;
  collect::StringSet parents_added;
  for (const auto& entry : changed) {
    wanted.insert(entry.path);
  }
  for (const auto& entry : unit.entries) {
    if (entry.kind == EntryKind::directory) {
      directories.insert(entry.path);
    }
  }
  for (const auto& entry : changed) {
    std::string_view path = entry.path;
    for (auto slash = path.rfind('/'); slash != std::string_view::npos && slash > 0;
         slash = path.rfind('/')) {
      path = path.substr(0, slash);
      if (!directories.contains(path) || !parents_added.insert(std::string(path)).second) {
        break;
      }
      wanted.insert(std::string(path));
    }
  }
  ArchiveUnit part{unit.item_path, {}};
  for (const auto& entry : unit.entries) {
    if (wanted.contains(entry.path)) {
      part.entries.push_back(entry);
    }
  }
  return part;
}

void write_unit(const CollectItem& item, const ArchiveUnit& unit, const ItemServices& services,
                ItemOutcome& outcome) {
  auto& log = services.log;
  if (item.type == ItemType::dir) {
    log.info("Collecting directory [{}]", unit.item_path);
  }
  if (!unit.has_non_directory_entries()) {
    log.debug("Nothing to back up in [{}]; no archive written.", unit.item_path);
    return;
  }
  const auto bytes = listed_bytes(unit);
  if (item.type == ItemType::file) {
    log.info("Backing up file [{}] ({}).", unit.item_path, display_bytes(bytes));
  } else {
    log.info("Backing up {} files in [{}] ({}).", listed_files(unit), unit.item_path,
             display_bytes(bytes));
  }
  const auto name = collect::archive_file_name(unit.item_path, item.archive_mode);
  collect::ArchiveOptions options;
  options.mode = item.archive_mode;
  options.zstd_threads = services.compression_threads;
  const core::Stopwatch watch;
  auto result = services.writer(unit.entries, services.plan.collect_dir / name, options,
                                services.progress.for_archive(name, bytes));
  outcome.perf.write += watch.elapsed();
  outcome.perf.bytes_in += result.input_bytes;
  outcome.perf.bytes_out += result.size;
  outcome.perf.files += listed_files(unit);
  outcome.perf.dirs += unit.entries.size() - listed_files(unit);
  if (services.ownership) {
    services.ownership->apply(result.path, log);
  }
  for (auto& problem : result.problems) {
    log.warning("Archive [{}]: [{}] {}", name, problem.path, problem.message);
    outcome.problems.push_back(std::move(problem));
  }
  outcome.archives.push_back(collect::ManifestArchive{name, result.size, result.sha256});
}

collect::IncrementalPolicy policy_for(const CollectPlan& plan) {
  collect::IncrementalPolicy policy;
  policy.basis = plan.basis;
  policy.cumulative = plan.cumulative;
  policy.reset = collect::resets_state(plan.full, plan.today_is_start) ? collect::Reset::yes
                                                                       : collect::Reset::no;
  return policy;
}

collect::State load_previous(const std::string& path, collect::IncrementalPolicy& policy,
                             ItemOutcome& outcome, core::Logger& log) {
  if (policy.reset == collect::Reset::yes) {
    log.debug("Based on the reset flag, state [{}] is not used.", path);
    return {};
  }
  auto loaded = collect::load_state(path);
  if (loaded.problem) {
    log.error("Failed loading state [{}] from disk: {}", path, loaded.problem->message);
    outcome.problems.push_back(std::move(*loaded.problem));
  }
  // A cumulative state that does not exist yet starts the week now, or
  // nothing would ever be saved until the next starting day.
  if (loaded.state.empty() && policy.cumulative == collect::Cumulative::yes) {
    policy.reset = collect::Reset::yes;
  }
  return std::move(loaded.state);
}

// Whether `path` is `base` or lies below it.
bool at_or_below(std::string_view path, std::string_view base) {
  return path.starts_with(base) &&
         (path.size() == base.size() || path[base.size()] == '/' || base.ends_with('/'));
}

// The paths gone since the state: each unit's change set compares its own
// entries with the item's whole state, so a path is gone only when no unit
// saw it. A path below one that could not be listed (`listing_problems`) is
// not gone, only unseen: a restore must not delete it.
std::vector<std::string> deleted_paths(const std::vector<std::vector<std::string>>& per_unit,
                                       const std::vector<collect::Problem>& listing_problems) {
  if (per_unit.empty()) {
    return {};
  }
  std::vector<std::string> result = per_unit.front();
  for (std::size_t i = 1; i < per_unit.size(); ++i) {
    std::vector<std::string> common;
    std::set_intersection(result.begin(), result.end(), per_unit[i].begin(), per_unit[i].end(),
                          std::back_inserter(common));
    result = std::move(common);
  }
  std::erase_if(result, [&](const std::string& path) {
    return std::any_of(listing_problems.begin(), listing_problems.end(),
                       [&](const collect::Problem& p) { return at_or_below(path, p.path); });
  });
  return result;
}

// Incremental: archive what changed in each unit, then, only once every
// archive is committed, save the state, so that a run that dies or fails
// before that leaves the state where it was.
void collect_incremental(const CollectItem& item, std::vector<ArchiveUnit> units,
                         const ItemServices& services, ItemOutcome& outcome) {
  auto& log = services.log;
  const auto state_path =
      (services.plan.working_dir / collect::state_file_name(item.abs_path)).string();
  auto policy = policy_for(services.plan);
  const collect::State previous = load_previous(state_path, policy, outcome, log);
  const bool keep_previous =
      policy.cumulative == collect::Cumulative::yes && policy.reset == collect::Reset::no;
  collect::State next = keep_previous ? previous : collect::State{};
  const std::vector<collect::Problem> listing_problems = outcome.problems;
  std::vector<std::vector<std::string>> deleted;
  std::size_t unchanged = 0;
  std::size_t changed = 0;
  const core::Stopwatch watch;
  for (auto& unit : units) {
    auto changes = collect::detect_changes(unit.entries, previous, policy);
    deleted.push_back(std::move(changes.deleted));
    for (auto& problem : changes.problems) {
      log.warning("Could not hash [{}]: {}", problem.path, problem.message);
      outcome.problems.push_back(std::move(problem));
    }
    if (!keep_previous && units.size() == 1) {
      next = std::move(changes.next);
    } else if (!keep_previous) {
      for (const auto& [path, print] : changes.next.entries()) {
        next.put(path, print);
      }
    }
    unchanged += unit.entries.size() - changes.changed.size();
    changed += changes.changed.size();
    unit = changed_part(unit, changes.changed);
  }
  outcome.perf.walk += watch.elapsed();
  log.debug("Removed {} unchanged entries based on state [{}].", unchanged, state_path);
  outcome.deleted = deleted_paths(deleted, listing_problems);
  log.debug("{} paths are gone since state [{}].", outcome.deleted.size(), state_path);
  for (const auto& unit : units) {
    services.stop.check();
    write_unit(item, unit, services, outcome);
  }
  // Rewriting a state identical to the one on disk only costs time (and an
  // fsync): a cumulative week keeps its state, and when every listed entry
  // matched its fingerprint and as many were listed as were stored, `next`
  // is exactly what was loaded.
  if (keep_previous || (!previous.empty() && changed == 0 && next.size() == previous.size())) {
    log.debug("State [{}] is unchanged: {} entries.", state_path, next.size());
    return;
  }
  if (auto saved = collect::save_state(state_path, next); !saved) {
    log.error("Failed to write state [{}] to disk: {}", state_path, saved.error());
    outcome.problems.push_back(collect::Problem{state_path, saved.error()});
    return;
  }
  log.debug("Wrote new state [{}] to disk: {} entries.", state_path, next.size());
  if (services.ownership) {
    services.ownership->apply(state_path, log);
  }
}

void collect_checked(const CollectItem& item, const ItemServices& services, ItemOutcome& outcome) {
  auto& log = services.log;
  log.debug("Working with collect {} [{}]", kind_name(item.type), item.abs_path);
  const auto& plan = services.plan;
  if (!collect::should_collect(item.collect_mode, plan.full, plan.today_is_start)) {
    log.debug("The {} will not be backed up, per collect mode.", kind_name(item.type));
  } else {
    const core::Stopwatch watch;
    auto units = list_item(item, outcome, log);
    outcome.perf.walk += watch.elapsed();
    if (item.collect_mode == config::CollectMode::incr) {
      collect_incremental(item, std::move(units), services, outcome);
    } else {
      for (const auto& unit : units) {
        services.stop.check();
        write_unit(item, unit, services, outcome);
      }
    }
  }
  log.info("Completed collecting {} [{}]", kind_name(item.type), item.abs_path);
}

} // namespace

ItemOutcome collect_item(const CollectItem& item, const ItemServices& services) {
  ItemOutcome outcome;
  try {
    services.stop.check();
    collect_checked(item, services, outcome);
  } catch (const Error& error) {
    if (error.code() == ExitCode::interrupted) {
      outcome.interrupted = true;
    } else {
      outcome.failure = error.what();
    }
  } catch (const std::exception& error) {
    outcome.failure = error.what();
  }
  services.perf.add("collect", item.abs_path, outcome.perf);
  return outcome;
}

std::string display_bytes(std::uint64_t bytes) {
  constexpr double k_kb = 1024.0;
  const auto value = static_cast<double>(bytes);
  if (value < k_kb) {
    return fmt::format("{} bytes", bytes);
  }
  if (value < k_kb * k_kb) {
    return fmt::format("{:.2f} kB", value / k_kb);
  }
  if (value < k_kb * k_kb * k_kb) {
    return fmt::format("{:.2f} MB", value / (k_kb * k_kb));
  }
  return fmt::format("{:.2f} GB", value / (k_kb * k_kb * k_kb));
}

} // namespace cback::actions::detail
