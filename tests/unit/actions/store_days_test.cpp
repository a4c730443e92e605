// The store action's choices: which staging directory, new disc or not,
// the week of a rebuild, and the stage status record.

#include "support/temp_dir.hpp"

#include <cback/actions/rebuild.hpp>
#include <cback/actions/store.hpp>
#include <cback/core/error.hpp>

#include <catch2/catch.hpp>

using namespace std::chrono;
using cback::actions::days_of_week;
using cback::actions::failed_peers;
using cback::actions::graft_point;
using cback::actions::new_disc_rule;
using cback::actions::select_staging_day;
using cback::collect::Full;
using cback::config::BlankBehavior;
using cback::config::BlankMode;
using cback::config::Weekday;
using cback::media::NewDisc;
using cback::test::TempDir;

namespace {

constexpr year_month_day k_tuesday = year{2026} / November / 24;

void stage(const TempDir& dir, const std::string& day, bool stored = false) {
  dir.write(day + "/cback.stage", "");
  if (stored) {
    dir.write(day + "/cback.store", "");
  }
}

} // namespace

TEST_CASE("Graft points are YYYY/MM/DD", "[store]") {
  CHECK(graft_point(year{2026} / January / 5) == "2026/01/05");
}

TEST_CASE("Store takes today, then yesterday, then tomorrow, skipping stored days", "[store]") {
  TempDir dir;
  stage(dir, "2026/11/23");
  stage(dir, "2026/11/24", true);
  stage(dir, "2026/11/25");
  auto selected = select_staging_day(dir.path(), k_tuesday, Full::no);
  CHECK(selected.dir == dir / "2026/11/23");
  CHECK(selected.crossed_midnight);
  dir.write("2026/11/23/cback.store", "");
  selected = select_staging_day(dir.path(), k_tuesday, Full::no);
  CHECK(selected.dir == dir / "2026/11/25");
  CHECK(selected.day == year{2026} / November / 25);
  dir.write("2026/11/25/cback.store", "");
  CHECK_THROWS_WITH(select_staging_day(dir.path(), k_tuesday, Full::no),
                    Catch::Contains("tried today, yesterday, tomorrow"));
}

TEST_CASE("A directory without cback.stage is not a candidate", "[store]") {
  TempDir dir;
  dir.write("2026/11/24/peer/file", "x");
  CHECK_THROWS(select_staging_day(dir.path(), k_tuesday, Full::no));
}

TEST_CASE("With --full store takes today's directory even when stored", "[store]") {
  TempDir dir;
  stage(dir, "2026/11/24", true);
  stage(dir, "2026/11/23");
  const auto selected = select_staging_day(dir.path(), k_tuesday, Full::yes);
  CHECK(selected.dir == dir / "2026/11/24");
  CHECK_FALSE(selected.crossed_midnight);
  TempDir empty;
  stage(empty, "2026/11/23");
  CHECK_THROWS_WITH(select_staging_day(empty.path(), k_tuesday, Full::yes),
                    Catch::Contains("2026/11/24"));
}

TEST_CASE("A new disc starts with --full or on the starting day by default", "[store]") {
  CHECK(new_disc_rule(Full::yes, false, std::nullopt).rule == NewDisc::Rule::yes);
  CHECK(new_disc_rule(Full::no, true, std::nullopt).rule == NewDisc::Rule::yes);
  CHECK(new_disc_rule(Full::no, false, std::nullopt).rule == NewDisc::Rule::no);
}

TEST_CASE("blank_behavior decides by the factor daily, or weekly on the starting day", "[store]") {
  const BlankBehavior daily{BlankMode::daily, "1.5"};
  const BlankBehavior weekly{BlankMode::weekly, "2"};
  auto rule = new_disc_rule(Full::no, false, daily);
  CHECK(rule.rule == NewDisc::Rule::by_factor);
  CHECK(rule.factor == 1.5);
  CHECK(new_disc_rule(Full::no, false, weekly).rule == NewDisc::Rule::no);
  rule = new_disc_rule(Full::no, true, weekly);
  CHECK(rule.rule == NewDisc::Rule::by_factor);
  CHECK(rule.factor == 2.0);
  CHECK(new_disc_rule(Full::yes, false, weekly).rule == NewDisc::Rule::yes);
}

TEST_CASE("A rebuild covers the days back to the starting day", "[store][rebuild]") {
  auto days = days_of_week(Weekday::monday, k_tuesday);
  REQUIRE(days.size() == 2);
  CHECK(days[0] == k_tuesday);
  CHECK(days[1] == year{2026} / November / 23);
  CHECK(days_of_week(Weekday::tuesday, k_tuesday).size() == 1);
  CHECK(days_of_week(Weekday::wednesday, k_tuesday).size() == 7);
  CHECK(days_of_week(Weekday::sunday, k_tuesday).size() == 3);
}

TEST_CASE("The stage status record names the failed and not-ready peers", "[store]") {
  TempDir dir;
  CHECK(failed_peers(dir.path()).empty());
  dir.write("cback.peers", "cback-stage-status 1 2026-11-24\n"
                           "peer staged 2 100 100 5 alpha\t\n"
                           "peer failed 0 0 0 7 beta\tconnection refused\n"
                           "peer not-ready 0 0 0 1 gamma\tno cback.collect\n"
                           "peer skipped 0 0 0 1 delta\tno cback.collect\n"
                           "end 4\n");
  CHECK(failed_peers(dir.path()) == std::vector<std::string>{"beta", "gamma"});
}

TEST_CASE("An incomplete stage status record is an error naming it", "[store]") {
  TempDir dir;
  dir.write("cback.peers", "cback-stage-status 1 2026-11-24\n"
                           "peer staged 2 100 100 5 alpha\t\n");
  CHECK_THROWS_WITH(failed_peers(dir.path()), Catch::Contains("cback.peers"));
}
