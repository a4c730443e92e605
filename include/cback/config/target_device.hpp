#pragma once

// target_device may name one image file per week:
// "stdio:/srv/discs/cback-{week}.iso". {week} is the start date of the
// week being written (YYYY-MM-DD: the most recent starting_day on or
// before the day of the run), so each week's new disc is a new file and
// the earlier weeks' images stay as they were (docs/configuration.md,
// target_device).

#include <cback/config/model.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cback::config {

inline constexpr std::string_view k_week_placeholder = "{week}";

/// What is wrong with the placeholders of a target_device, for a
/// configuration error; nullopt when there are none or they are right.
/// {week} is the only one, and only in the file name of a stdio: target.
std::optional<std::string> target_device_problem(std::string_view device);

/// `device` with every {week} replaced by `week_start` (YYYY-MM-DD).
std::string device_for_week(std::string_view device, std::chrono::year_month_day week_start);

/// The first day of a week: the options' starting_day, Monday when unset.
std::chrono::weekday week_starts_on(const Config& config);

/// The store's target_device for a run on `today`: {week} is the start of
/// today's week by the options' starting_day (Monday when unset).
std::string target_device_for(const Config& config, std::chrono::year_month_day today);

} // namespace cback::config
