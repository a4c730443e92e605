#pragma once

// What the extensions that work on staged data (encrypt, split) share with
// the original's findDailyDirs and getBackupFiles (docs/compatibility.md, "Layouts"),
// and the owner every extension gives its outputs (docs/compatibility.md, "Ownership").

#include <cback/config/model.hpp>

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

namespace cback::core {
class Logger;
}

namespace cback::extend {

/// The daily directories staging_dir/YYYY/MM/DD (exactly three levels below
/// `staging_dir`, symlinked directories skipped, names not checked) that do
/// not contain `indicator`, in name order. Throws Error(action) naming
/// `staging_dir` when it is not a directory.
std::vector<std::filesystem::path> unprocessed_daily_dirs(const std::filesystem::path& staging_dir,
                                                          std::string_view indicator,
                                                          core::Logger& log);

/// True for the names of indicator files (`cback.` followed by anything).
bool is_indicator(std::string_view file_name);

/// Every regular file below `daily_dir`, recursively, in name order;
/// symlinks and indicator files are left out.
std::vector<std::filesystem::path> staged_files(const std::filesystem::path& daily_dir);

} // namespace cback::extend
