#pragma once

// The rebuild action (docs/compatibility.md, "Rebuild"): one new disc holding every day
// staged in store/source_dir since the start of the week, each at its
// YYYY/MM/DD graft point; check_data, then cback.store in every day.

#include <chrono>
#include <filesystem>
#include <vector>

#include <cback/config/model.hpp>

namespace cback {
struct Context;
}

namespace cback::actions {

/// The days from the most recent starting day up to `today`, inclusive,
/// today first (docs/compatibility.md, "Rebuild").
std::vector<std::chrono::year_month_day> days_of_week(config::Weekday starting_day,
                                                      std::chrono::year_month_day today);

void run_rebuild(Context& context);

} // namespace cback::actions
