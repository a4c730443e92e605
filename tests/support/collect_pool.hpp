#pragma once

// What the collect integration tests share: a collect setup in a temporary
// directory, driven through the real binary, and the views of its results
// (GNU tar's listing of an archive, a tree's files and contents).

#include <cback/collect/naming.hpp>

#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace cback::test {

inline constexpr const char* k_monday = "CBACK_TODAY=2026-11-30";
inline constexpr const char* k_tuesday = "CBACK_TODAY=2026-12-01";

/// A collect setup in a temporary directory: src/ (what is backed up),
/// collect/, work/, and cback.toml once configure() is called.
struct CollectPool : Pool {
  CollectPool() {
    for (const char* name : {"collect", "work", "src"}) {
      make_dir(name);
    }
  }

  void configure_items(const std::string& items, const std::string& section_extra = "") {
    configure(toml_head(dir / "work") + collect_table(dir / "collect", items, section_extra));
  }

  [[nodiscard]] std::filesystem::path src() const { return dir / "src"; }

  /// Configures src/ as the one item, collected `mode` ("daily", "incr",
  /// "weekly") as `type` ("tar", "targz", ...); returns src/.
  std::filesystem::path configure_src(const std::string& mode, const std::string& type) {
    configure_items(dir_item(src(), mode, type));
    return src();
  }

  RunResult collect(const char* day, RunOptions options = {},
                    const std::vector<std::string>& switches = {}) const {
    options.env.emplace_back(day);
    options.env.emplace_back("CBACK_IO=posix");
    Args arguments = switches;
    arguments.emplace_back("collect");
    return cback(arguments, options);
  }

  [[nodiscard]] std::filesystem::path archive(const std::filesystem::path& item,
                                              config::ArchiveMode mode) const {
    return dir / "collect" / collect::archive_file_name(item.string(), mode);
  }
  [[nodiscard]] std::filesystem::path state(const std::filesystem::path& item) const {
    return dir / "work" / collect::state_file_name(item.string());
  }
  [[nodiscard]] bool collected() const {
    return std::filesystem::exists(dir / "collect/cback.collect");
  }
};

/// The member names GNU tar lists, one per line, sorted.
inline std::vector<std::string> tar_list(const std::filesystem::path& archive) {
  const auto result = run({"/usr/bin/tar", "-tf", archive.string()});
  REQUIRE(result.exit_code == 0);
  std::vector<std::string> names;
  std::string line;
  std::istringstream in(result.out);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '/') {
      line.pop_back();
    }
    names.push_back(line);
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// Files under `root`, relative, with their content ("->target" for links,
/// "/" for directories).
inline std::map<std::string, std::string> tree_of(const std::filesystem::path& root) {
  std::map<std::string, std::string> tree;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const auto relative = entry.path().lexically_relative(root).string();
    if (entry.is_symlink()) {
      tree[relative] = "->" + std::filesystem::read_symlink(entry.path()).string();
    } else if (entry.is_directory()) {
      tree[relative] = "/";
    } else {
      tree[relative] = read_file(entry.path());
    }
  }
  return tree;
}

} // namespace cback::test
