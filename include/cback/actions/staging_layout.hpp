#pragma once

// Where a day's staged data lives (docs/compatibility.md, "Layouts"): staging_dir/YYYY/MM/DD on
// disk, /YYYY/MM/DD on the disc. Shared by stage, store and rebuild.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace cback::actions {

inline constexpr std::string_view k_stage_indicator = "cback.stage";
inline constexpr std::string_view k_store_indicator = "cback.store";

/// "YYYY/MM/DD", the day's directory below the staging dir and on the disc.
std::string graft_point(std::chrono::year_month_day day);

/// root/YYYY/MM/DD.
std::filesystem::path daily_dir(const std::filesystem::path& root, std::chrono::year_month_day day);

/// Directories between the staging dir and a daily dir (YYYY, MM, DD).
inline constexpr std::size_t k_daily_dir_levels = 3;

/// Makes `dir` and, of the `levels` last components of its path, those that
/// are missing (mode 0777 less the umask), one at a time, each opened
/// beneath its parent without following a symbolic link: the staging dir
/// belongs to the backup user, who could put a link to /etc where a day's
/// or a peer's directory belongs, and stage, as root, would write there.
/// What is above those components (the configured staging dir) is made
/// when missing and trusted. Returns true when `dir` itself was made, false
/// when it already was a directory. Throws Error(action) naming the
/// component that is a symbolic link or not a directory, or that cannot be
/// made.
bool make_staging_dir(const std::filesystem::path& dir, std::size_t levels);

} // namespace cback::actions
