#pragma once

// What cback-span spans and how a disc's share of it becomes an image:
// the daily staging directories not yet written to disc, their files, and
// a disc's files laid out as the tree the disc will carry.

#include <cback/config/model.hpp>
#include <cback/core/temp_dir.hpp>
#include <cback/span/fit.hpp>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace cback::core {
class Logger;
}

namespace cback::span {

/// The unstored staging data under a store source_dir.
struct Staged {
  std::vector<std::filesystem::path> daily_dirs; ///< sorted
  std::vector<Item> files;                       ///< absolute paths, sorted; symlinks have size 0
  std::int64_t total = 0;                        ///< bytes of all files
};

/// Every directory three levels below `source_dir` (YYYY/MM/DD, whatever
/// the names, as the original) that has no cback.store, and every regular
/// file and symlink below them. Names starting with a dot at the top level
/// are skipped (a disc tree in progress). Throws cback::Error(action)
/// naming the directory when it cannot be read, or naming the files when a
/// day holds `*.partial` files (actions::require_complete_day).
Staged find_unstored(const std::filesystem::path& source_dir);

/// A disc's files as the disc will show them: root()/YYYY/MM/DD/peer/file,
/// hard links to the staged files (copies where a link is not possible,
/// symlinks recreated). It lives in a hidden directory of `source_dir`
/// (same filesystem, so the links work), removed with it (core::TempDir).
class DiscTree {
public:
  DiscTree(const std::filesystem::path& source_dir, const std::vector<Item>& files);

  [[nodiscard]] const std::filesystem::path& root() const { return m_root.path(); }

private:
  core::TempDir m_root;
};

} // namespace cback::span
