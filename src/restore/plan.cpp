#include <cback/restore/plan.hpp>

#include <cback/collect/items.hpp>
#include <cback/collect/naming.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>

#include <algorithm>
#include <set>

namespace cback::restore {
bool is_full(const ItemHistory& history, std::size_t i, std::chrono::weekday starting_day) {
  const auto& occurrence = history.archives[i];
  switch (occurrence.kind) {
  case VersionKind::full:
    return true;
  case VersionKind::incremental:
    return false;
  case VersionKind::unknown:
    break;
  }
  return i == 0 || core::is_start_of_week(starting_day, occurrence.day);
}

std::vector<ReplayStep> plan_replay(const ItemHistory& history, Day date,
                                    std::chrono::weekday starting_day) {
  std::optional<std::size_t> full;
  for (std::size_t i = 0; i < history.archives.size() && history.archives[i].day <= date; ++i) {
    if (is_full(history, i, starting_day)) {
      full = i;
    }
  }
  if (!full) {
    return {};
  }
  const Day start = history.archives[*full].day;
  std::vector<ReplayStep> steps{{start, false, true}};
  std::set<Day> days;
  std::set<Day> archive_days;
  for (std::size_t i = *full + 1; i < history.archives.size(); ++i) {
    if (history.archives[i].day <= date) {
      days.insert(history.archives[i].day);
      archive_days.insert(history.archives[i].day);
    }
  }
  for (const Day day : history.deletion_days) {
    if (day > start && day <= date) {
      days.insert(day);
    }
  }
  if (history.cumulative && !days.empty()) {
    days = {*days.rbegin()};
  }
  for (const Day day : days) {
    const bool deletions =
        std::binary_search(history.deletion_days.begin(), history.deletion_days.end(), day);
    steps.push_back({day, deletions, archive_days.contains(day)});
  }
  return steps;
}

ItemKnowledge knowledge_of(const config::Config& config, const std::string& peer,
                           const std::string& key) {
  if (!config.collect || !config.stage) {
    return {};
  }
  const auto& peers = config.stage->peers;
  const bool local = std::any_of(peers.begin(), peers.end(), [&](const config::Peer& candidate) {
    return candidate.name == peer && candidate.type == config::PeerType::local;
  });
  if (!local) {
    return {};
  }
  std::vector<collect::CollectItem> items;
  try {
    items = collect::collect_items(*config.collect);
  } catch (const Error&) {
    return {}; // an item without a mode: the configuration says nothing sure
  }
  for (const auto& item : items) {
    if (collect::normalized_name(item.abs_path) == key) {
      return {true, item.collect_mode != config::CollectMode::incr, config.collect->cumulative};
    }
  }
  return {};
}

std::chrono::weekday starting_day_of(const config::Config& config) {
  if (config.options && config.options->starting_day) {
    return config::to_chrono(*config.options->starting_day);
  }
  return std::chrono::Monday;
}

} // namespace cback::restore
