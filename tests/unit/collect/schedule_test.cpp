#include <cback/collect/schedule.hpp>

#include <catch2/catch.hpp>

namespace cback::collect {
namespace {

using config::CollectMode;
using core::Full;

TEST_CASE("An item is collected per its mode, --full and the start of the week",
          "[collect][days]") {
  struct Row {
    CollectMode mode;
    Full full;
    bool start;
    bool collected;
  };
  const Row rows[] = {
      {CollectMode::daily, Full::no, false, true},   {CollectMode::daily, Full::no, true, true},
      {CollectMode::daily, Full::yes, false, true},  {CollectMode::daily, Full::yes, true, true},
      {CollectMode::incr, Full::no, false, true},    {CollectMode::incr, Full::no, true, true},
      {CollectMode::incr, Full::yes, false, true},   {CollectMode::incr, Full::yes, true, true},
      {CollectMode::weekly, Full::no, false, false}, {CollectMode::weekly, Full::no, true, true},
      {CollectMode::weekly, Full::yes, false, true}, {CollectMode::weekly, Full::yes, true, true},
  };
  for (const auto& row : rows) {
    INFO("mode " << static_cast<int>(row.mode) << " full " << (row.full == Full::yes) << " start "
                 << row.start);
    CHECK(should_collect(row.mode, row.full, row.start) == row.collected);
  }
  CHECK(resets_state(Full::yes, false));
  CHECK(resets_state(Full::no, true));
  CHECK_FALSE(resets_state(Full::no, false));
}

TEST_CASE("A configured starting day is the same day of the week", "[collect][days]") {
  using config::Weekday;
  CHECK(config::to_chrono(Weekday::monday) == std::chrono::Monday);
  CHECK(config::to_chrono(Weekday::thursday) == std::chrono::Thursday);
  CHECK(config::to_chrono(Weekday::sunday) == std::chrono::Sunday);
}

} // namespace
} // namespace cback::collect
