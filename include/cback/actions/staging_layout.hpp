#pragma once

// Where a day's staged data lives (reference §5): staging_dir/YYYY/MM/DD on
// disk, /YYYY/MM/DD on the disc. Shared by stage, store and rebuild.

#include <chrono>
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

} // namespace cback::actions
