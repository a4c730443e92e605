#pragma once

#include <cback/collect/exclusions.hpp>
#include <cback/collect/walker.hpp>
#include <cback/config/model.hpp>

#include <string>
#include <vector>

namespace cback::collect {

enum class ItemType { file, dir };

/// One configured collect item with the section defaults applied.
struct CollectItem {
  ItemType type = ItemType::file;
  std::string abs_path;
  config::CollectMode collect_mode = config::CollectMode::daily;
  config::ArchiveMode archive_mode = config::ArchiveMode::tar;
  ExclusionRules exclusions; ///< dirs only
  WalkOptions walk;          ///< dirs only
};

/// The items in the order the original collects them: every `<file>` in
/// configuration order, then every `<dir>`. For a dir: the ignore file is
/// the dir's or the section's; absolute excludes are the section's then the
/// dir's, then its relative excludes joined to its path; patterns are the
/// section's then the dir's, matched against the full path only (as the
/// original). Throws cback::Error (config) if an item has no collect or
/// archive mode here or in the section (validation normally catches it).
std::vector<CollectItem> collect_items(const config::Collect& collect);

} // namespace cback::collect
