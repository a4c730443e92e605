#include <cback/restore/commands.hpp>

#include <cback/core/progress.hpp>

#include <fmt/format.h>

#include <map>
#include <ostream>

namespace cback::restore {
namespace {

// "full" or "incremental" for each archive of each day, by the rule of the
// replay (plan.hpp): the kinds of one item are only known together.
std::map<const CatalogArchive*, bool> full_archives(History& history,
                                                    std::chrono::weekday starting_day) {
  std::map<std::pair<std::string, std::string>,
           std::vector<std::pair<const PeerDay*, const CatalogArchive*>>>
      items;
  for (const auto& day : history.days()) {
    for (const auto& archive : day.archives) {
      items[{day.peer, archive.key}].emplace_back(&day, &archive);
    }
  }
  std::map<const CatalogArchive*, bool> full;
  for (const auto& [item, archives] : items) {
    ItemHistory item_history;
    for (const auto& [day, archive] : archives) {
      item_history.archives.push_back({day->day, history.kind_of(*day, *archive)});
    }
    for (std::size_t i = 0; i < archives.size(); ++i) {
      full[archives[i].second] = is_full(item_history, i, starting_day);
    }
  }
  return full;
}

} // namespace

void list_days(History& history, std::ostream& out) {
  const auto full = full_archives(history, history.starting_day());
  for (const auto& day : history.days()) {
    std::string state = day.manifest ? "manifest"
                        : day.manifest_error.empty()
                            ? "no manifest"
                            : fmt::format("unreadable manifest ({})", day.manifest_error);
    out << fmt::format("{}  {}  {} archive{}, {}\n", day_text(day.day), day.peer,
                       day.archives.size(), day.archives.size() == 1 ? "" : "s", state);
    for (const auto& archive : day.archives) {
      out << fmt::format("  {:<11}  {:>10}  {}{}\n", full.at(&archive) ? "full" : "incremental",
                         core::display_bytes(static_cast<double>(archive.size)), archive.name,
                         archive.index_path ? " (indexed)" : "");
    }
    for (const auto& output : day.outputs) {
      out << fmt::format("  {:<11}  {:>10}  {}\n", "output",
                         core::display_bytes(static_cast<double>(output.size)), output.name);
    }
  }
}

} // namespace cback::restore
