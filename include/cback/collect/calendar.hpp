#pragma once

// Which items are collected today (docs/compatibility.md, "Collect") and the date
// that "today" means.

#include <cback/config/model.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace cback::collect {

/// The local date. The environment variable CBACK_TODAY=YYYY-MM-DD replaces
/// it for the whole program: this is the documented way for tests (and for
/// a re-run of a missed day) to simulate a day. A malformed value throws
/// cback::Error (usage) naming it.
std::chrono::year_month_day today();

/// Parses "YYYY-MM-DD" (a real calendar date); nothing on any other text.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);

/// True if `day` falls on the configured starting day of the week.
bool is_start_of_week(config::Weekday starting_day, std::chrono::year_month_day day);

enum class Full : bool { no, yes }; ///< --full on the command line

/// An item is collected if --full, or its mode is daily or incr, or it is
/// weekly and today starts the week.
bool should_collect(config::CollectMode mode, Full full, bool today_is_start);

/// Incremental state starts afresh with --full or at the start of the week.
bool resets_state(Full full, bool today_is_start);

} // namespace cback::collect
