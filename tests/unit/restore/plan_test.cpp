#include <cback/restore/plan.hpp>

#include <catch2/catch.hpp>

#include <vector>

namespace cback::restore {
namespace {

using namespace std::chrono_literals;
using std::chrono::Monday;

// The week of Monday 2026-11-30.
constexpr Day k_day[] = {2026y / 11 / 30, 2026y / 12 / 1, 2026y / 12 / 2, 2026y / 12 / 3,
                         2026y / 12 / 4,  2026y / 12 / 5, 2026y / 12 / 6, 2026y / 12 / 7};

ItemHistory incremental_week(std::vector<int> days, std::vector<int> deletions = {}) {
  ItemHistory history;
  for (const int day : days) {
    history.archives.push_back({k_day[day], VersionKind::unknown});
  }
  for (const int day : deletions) {
    history.deletion_days.push_back(k_day[day]);
  }
  return history;
}

ReplayStep step(int day, bool deletions, bool archive) {
  return {k_day[day], deletions, archive};
}

TEST_CASE("The week's full archive, then each later day in order", "[restore][plan]") {
  const auto history = incremental_week({0, 1, 2, 3}, {2});
  CHECK(plan_replay(history, k_day[0], Monday) == std::vector{step(0, false, true)});
  CHECK(plan_replay(history, k_day[3], Monday) ==
        std::vector{step(0, false, true), step(1, false, true), step(2, true, true),
                    step(3, false, true)});
  CHECK(plan_replay(history, k_day[2], Monday) ==
        std::vector{step(0, false, true), step(1, false, true), step(2, true, true)});
}

TEST_CASE("A day with deletions but no archive still deletes", "[restore][plan]") {
  const auto history = incremental_week({0, 1}, {2});
  CHECK(plan_replay(history, k_day[4], Monday) ==
        std::vector{step(0, false, true), step(1, false, true), step(2, true, false)});
}

TEST_CASE("Nothing on or before the day restores nothing", "[restore][plan]") {
  const auto history = incremental_week({2, 3});
  CHECK(plan_replay(history, k_day[1], Monday).empty());
  CHECK(plan_replay(history, k_day[2], Monday) == std::vector{step(2, false, true)});
}

TEST_CASE("The next week starts again from its full archive", "[restore][plan]") {
  const auto history = incremental_week({0, 1, 2, 7}, {1});
  CHECK(plan_replay(history, k_day[7], Monday) == std::vector{step(7, false, true)});
  // Another starting day makes Monday 2026-12-07 an incremental one.
  CHECK(plan_replay(history, k_day[7], std::chrono::Sunday) ==
        std::vector{step(0, false, true), step(1, true, true), step(2, false, true),
                    step(7, false, true)});
}

TEST_CASE("Daily items are full every day", "[restore][plan]") {
  ItemHistory history;
  for (const int day : {0, 1, 2}) {
    history.archives.push_back({k_day[day], VersionKind::full});
  }
  CHECK(plan_replay(history, k_day[2], Monday) == std::vector{step(2, false, true)});
}

TEST_CASE("A known kind wins over the day of the week", "[restore][plan]") {
  ItemHistory history;
  history.archives = {{k_day[0], VersionKind::full},
                      {k_day[1], VersionKind::incremental},
                      {k_day[2], VersionKind::full},
                      {k_day[3], VersionKind::incremental},
                      {k_day[7], VersionKind::incremental}};
  CHECK(plan_replay(history, k_day[3], Monday) ==
        std::vector{step(2, false, true), step(3, false, true)});
  CHECK(plan_replay(history, k_day[7], Monday) ==
        std::vector{step(2, false, true), step(3, false, true), step(7, false, true)});
}

TEST_CASE("A cumulative week applies only the last day after the full archive", "[restore][plan]") {
  auto history = incremental_week({0, 1, 2, 3}, {2, 3});
  history.cumulative = true;
  CHECK(plan_replay(history, k_day[3], Monday) ==
        std::vector{step(0, false, true), step(3, true, true)});
  CHECK(plan_replay(history, k_day[1], Monday) ==
        std::vector{step(0, false, true), step(1, false, true)});
  CHECK(plan_replay(history, k_day[0], Monday) == std::vector{step(0, false, true)});
}

TEST_CASE("Unknown kinds: the first archive and the starting day are full", "[restore][plan]") {
  const auto history = incremental_week({1, 2, 7});
  CHECK(is_full(history, 0, Monday));
  CHECK_FALSE(is_full(history, 1, Monday));
  CHECK(is_full(history, 2, Monday));
}

} // namespace
} // namespace cback::restore
