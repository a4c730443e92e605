#include <cback/collect/items.hpp>

#include <cback/core/error.hpp>

#include <fmt/format.h>

namespace cback::collect {

namespace {

template <typename Mode>
Mode pick(const std::optional<Mode>& item, const std::optional<Mode>& section,
          std::string_view what, const std::string& path) {
  if (item) {
    return *item;
  }
  if (section) {
    return *section;
  }
  throw Error(ExitCode::config, fmt::format("collect item [{}] has no {}", path, what));
}

std::string join_relative(const std::string& dir, const std::string& relative) {
  if (!relative.empty() && relative.front() == '/') {
    return relative; // os.path.join: an absolute second part wins
  }
  return dir.ends_with('/') ? dir + relative : dir + "/" + relative;
}

CollectItem dir_item(const config::Collect& collect, const config::CollectDir& dir) {
  CollectItem item;
  item.type = ItemType::dir;
  item.abs_path = dir.abs_path;
  item.collect_mode = pick(dir.collect_mode, collect.collect_mode, "collect mode", dir.abs_path);
  item.archive_mode = pick(dir.archive_mode, collect.archive_mode, "archive mode", dir.abs_path);
  auto& rules = item.exclusions;
  rules.ignore_file = dir.ignore_file ? dir.ignore_file : collect.ignore_file;
  rules.abs_paths = collect.exclude.abs_path;
  rules.abs_paths.insert(rules.abs_paths.end(), dir.exclude.abs_path.begin(),
                         dir.exclude.abs_path.end());
  for (const auto& relative : dir.exclude.rel_path) {
    rules.abs_paths.push_back(join_relative(dir.abs_path, relative));
  }
  rules.patterns = collect.exclude.pattern;
  rules.patterns.insert(rules.patterns.end(), dir.exclude.pattern.begin(),
                        dir.exclude.pattern.end());
  item.walk = WalkOptions{dir.link_depth, dir.dereference, dir.recursion_level};
  return item;
}

} // namespace

std::vector<CollectItem> collect_items(const config::Collect& collect) {
  std::vector<CollectItem> items;
  items.reserve(collect.files.size() + collect.dirs.size());
  for (const auto& file : collect.files) {
    CollectItem item;
    item.type = ItemType::file;
    item.abs_path = file.abs_path;
    item.collect_mode =
        pick(file.collect_mode, collect.collect_mode, "collect mode", file.abs_path);
    item.archive_mode =
        pick(file.archive_mode, collect.archive_mode, "archive mode", file.abs_path);
    items.push_back(std::move(item));
  }
  for (const auto& dir : collect.dirs) {
    items.push_back(dir_item(collect, dir));
  }
  return items;
}

} // namespace cback::collect
