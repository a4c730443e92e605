#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>

#include "support/scoped_env.hpp"

#include <catch2/catch.hpp>

namespace cback::core {
namespace {

using namespace std::chrono_literals;

TEST_CASE("The start of the week is found on every simulated day", "[core][days]") {
  // 2024-01-01 was a Monday.
  const std::chrono::sys_days monday{2024y / 1 / 1};
  const std::chrono::weekday days[] = {
      std::chrono::Monday, std::chrono::Tuesday,  std::chrono::Wednesday, std::chrono::Thursday,
      std::chrono::Friday, std::chrono::Saturday, std::chrono::Sunday};
  for (int offset = 0; offset < 14; ++offset) {
    const std::chrono::year_month_day date{monday + std::chrono::days{offset}};
    for (int start = 0; start < 7; ++start) {
      INFO("day offset " << offset << " starting day " << start);
      CHECK(is_start_of_week(days[start], date) == (offset % 7 == start));
    }
  }
}

TEST_CASE("The start of a day's week is the starting day on or before it", "[core][days]") {
  using std::chrono::year_month_day;
  // 2026-11-23 is a Monday.
  CHECK(start_of_week(std::chrono::Monday, 2026y / 11 / 23) == year_month_day{2026y / 11 / 23});
  CHECK(start_of_week(std::chrono::Monday, 2026y / 11 / 29) == year_month_day{2026y / 11 / 23});
  CHECK(start_of_week(std::chrono::Monday, 2026y / 11 / 30) == year_month_day{2026y / 11 / 30});
  CHECK(start_of_week(std::chrono::Sunday, 2026y / 11 / 28) == year_month_day{2026y / 11 / 22});
  CHECK(start_of_week(std::chrono::Friday, 2027y / 1 / 2) == year_month_day{2027y / 1 / 1});
  CHECK(start_of_week(std::chrono::Saturday, 2027y / 1 / 2) == year_month_day{2027y / 1 / 2});
  CHECK(start_of_week(std::chrono::Sunday, 2027y / 1 / 2) == year_month_day{2026y / 12 / 27});
}

TEST_CASE("CBACK_TODAY replaces the local date", "[core][days]") {
  {
    const test::ScopedEnv day("CBACK_TODAY", "2024-02-29");
    CHECK(today() == 2024y / 2 / 29);
    CHECK(is_start_of_week(std::chrono::Thursday, today()));
  }
  {
    const test::ScopedEnv day("CBACK_TODAY", "2024-02-30");
    CHECK_THROWS_WITH(today(), Catch::Contains("CBACK_TODAY=[2024-02-30]"));
  }
  CHECK(today().ok()); // the real local date
}

TEST_CASE("Dates parse only as YYYY-MM-DD", "[core][days]") {
  CHECK(parse_date("2023-12-31") == 2023y / 12 / 31);
  for (const auto* bad : {"2023-02-29", "2023-1-01", "2023/01/01", "20230101", "2023-01-0x",
                          "+023-01-01", "2023-13-01", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_date(bad).has_value());
  }
}

} // namespace
} // namespace cback::core
