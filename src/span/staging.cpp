#include <cback/span/staging.hpp>

#include <cback/actions/store.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <unistd.h>

namespace cback::span {
namespace {

namespace fs = std::filesystem;

// The subdirectories of `dir` (not symlinks to them), sorted.
std::vector<fs::path> subdirectories(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    if (it->is_directory(error) && !it->is_symlink(error)) {
      found.push_back(it->path());
    }
  }
  if (error) {
    throw Error(ExitCode::action,
                fmt::format("Cannot read directory [{}]: {}", dir.string(), error.message()));
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Regular files and symlinks below `dir`, appended to `staged`.
void add_files(const fs::path& dir, Staged& staged) {
  std::error_code error;
  const auto options = fs::directory_options::none;
  for (fs::recursive_directory_iterator it(dir, options, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_symlink(error)) {
      staged.files.push_back({it->path().string(), 0});
    } else if (it->is_regular_file(error)) {
      const auto size = static_cast<std::int64_t>(it->file_size(error));
      staged.files.push_back({it->path().string(), size});
      staged.total += size;
    }
  }
  if (error) {
    throw Error(ExitCode::action, fmt::format("Cannot index staging directory [{}]: {}",
                                              dir.string(), error.message()));
  }
}

void place(const fs::path& from, const fs::path& to) {
  fs::create_directories(to.parent_path());
  std::error_code error;
  if (fs::is_symlink(from)) {
    fs::copy_symlink(from, to);
    return;
  }
  fs::create_hard_link(from, to, error);
  if (error) {
    fs::copy_file(from, to);
  }
}

core::TempDir disc_tree_root(const fs::path& source_dir) {
  auto root = core::TempDir::make(source_dir, ".cback-span.");
  if (!root) {
    throw Error(ExitCode::action, fmt::format("Cannot create a disc tree in [{}]: {}",
                                              source_dir.string(), root.error().message()));
  }
  return std::move(*root);
}

} // namespace

Staged find_unstored(const fs::path& source_dir) {
  Staged staged;
  for (const auto& year : subdirectories(source_dir)) {
    if (year.filename().string().starts_with(".")) {
      continue;
    }
    for (const auto& month : subdirectories(year)) {
      for (const auto& day : subdirectories(month)) {
        if (!fs::exists(day / actions::k_store_indicator)) {
          staged.daily_dirs.push_back(day);
        }
      }
    }
  }
  for (const auto& dir : staged.daily_dirs) {
    // The store's check, less the stage status record: days here may have
    // been staged by the original, which writes none.
    actions::require_complete_day(dir, {}, actions::IncompleteDay::files_only);
    add_files(dir, staged);
  }
  std::sort(staged.files.begin(), staged.files.end(),
            [](const Item& a, const Item& b) { return a.name < b.name; });
  return staged;
}

DiscTree::DiscTree(const fs::path& source_dir, const std::vector<Item>& files)
    : m_root(disc_tree_root(source_dir)) {
  try {
    for (const auto& file : files) {
      const fs::path from = file.name;
      place(from, root() / from.lexically_relative(source_dir));
    }
  } catch (const fs::filesystem_error& error) {
    throw Error(ExitCode::action, fmt::format("Cannot lay out the disc's files in [{}]: {}",
                                              root().string(), error.what()));
  }
}

} // namespace cback::span
