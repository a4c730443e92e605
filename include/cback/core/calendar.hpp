#pragma once

// The date that "today" means, and the start of a week.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cback::core {

/// The local date. The environment variable CBACK_TODAY=YYYY-MM-DD replaces
/// it for the whole program: this is the documented way for tests (and for
/// a re-run of a missed day) to simulate a day. A malformed value throws
/// cback::Error (usage) naming it.
std::chrono::year_month_day today();

/// Parses "YYYY-MM-DD" (a real calendar date); nothing on any other text.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);

/// "YYYY-MM-DD", what parse_date() reads.
std::string date_text(std::chrono::year_month_day day);

/// True if `day` falls on `starting_day`, the first day of the week.
bool is_start_of_week(std::chrono::weekday starting_day, std::chrono::year_month_day day);

/// The first day of the week `day` is in: the most recent `starting_day`
/// on or before it.
std::chrono::year_month_day start_of_week(std::chrono::weekday starting_day,
                                          std::chrono::year_month_day day);

} // namespace cback::core
