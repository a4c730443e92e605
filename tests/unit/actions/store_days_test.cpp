// The store action's choices: which staging directory, new disc or not,
// the week of a rebuild, and whether a staged day is complete.

#include "support/temp_dir.hpp"

#include <cback/actions/rebuild.hpp>
#include <cback/actions/store.hpp>
#include <cback/core/error.hpp>

#include <catch2/catch.hpp>

namespace cback::actions {

using namespace std::chrono;
using core::Full;
using config::BlankBehavior;
using config::BlankMode;
using config::Weekday;
using media::NewDisc;
using test::TempDir;

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

namespace {

const std::vector<std::string> k_peers{"alpha", "beta"};

const std::string k_all_staged = "cback-stage-status 1 2026-11-24\n"
                                 "peer staged 2 100 100 5 alpha\t\n"
                                 "peer skipped 0 0 0 1 beta\tno cback.collect\n"
                                 "end 2\n";

} // namespace

TEST_CASE("A day whose record lists every configured peer as staged or skipped is complete",
          "[store][complete-day]") {
  TempDir dir;
  dir.write("cback.peers", k_all_staged);
  dir.write("alpha/etc.tar", "x");
  const auto gaps = inspect_day(dir.path(), k_peers);
  CHECK(gaps.complete());
  CHECK(require_complete_day(dir.path(), k_peers, IncompleteDay::refuse).empty());
}

TEST_CASE("A partial file anywhere in the day refuses it by name, even with failed peers allowed",
          "[store][complete-day]") {
  for (const std::string partial :
       {"alpha/etc.tar.partial", "alpha/sub/x.partial", "cback.peers.partial", "stray.partial"}) {
    TempDir dir;
    dir.write("cback.peers", k_all_staged);
    dir.write(partial, "cut short");
    INFO(partial);
    CHECK(inspect_day(dir.path(), k_peers).partial_files == std::vector<std::string>{partial});
    for (const auto policy :
         {IncompleteDay::refuse, IncompleteDay::warn, IncompleteDay::files_only}) {
      CHECK_THROWS_WITH(require_complete_day(dir.path(), k_peers, policy),
                        Catch::Contains(partial) && Catch::Contains(dir.path().string()));
    }
  }
}

TEST_CASE("A partial file's name is escaped in the refusal", "[store][complete-day]") {
  TempDir dir;
  dir.write("cback.peers", k_all_staged);
  dir.write("alpha/two\nlines.partial", "cut short");
  CHECK_THROWS_WITH(require_complete_day(dir.path(), k_peers, IncompleteDay::refuse),
                    Catch::Contains("alpha/two\\x0alines.partial"));
}

TEST_CASE("A configured peer missing from the record refuses the day by name",
          "[store][complete-day]") {
  TempDir dir;
  dir.write("cback.peers", "cback-stage-status 1 2026-11-24\n"
                           "peer staged 2 100 100 5 alpha\t\n"
                           "end 1\n");
  const auto gaps = inspect_day(dir.path(), k_peers);
  CHECK(gaps.missing_peers == std::vector<std::string>{"beta"});
  CHECK(gaps.record_error.empty());
  CHECK_FALSE(gaps.complete());
  CHECK_THROWS_WITH(require_complete_day(dir.path(), k_peers, IncompleteDay::refuse),
                    Catch::Contains("peer(s) beta are missing from its stage status record"));
  // allow_failed_peers lets it through as a warning; the record is not
  // consulted by cback-span.
  CHECK(require_complete_day(dir.path(), k_peers, IncompleteDay::warn) ==
        std::vector<std::string>{"peer(s) beta are missing from its stage status record"});
  CHECK(require_complete_day(dir.path(), k_peers, IncompleteDay::files_only).empty());
}

TEST_CASE("A day without a stage status record is refused naming the record and every peer",
          "[store][complete-day]") {
  TempDir dir;
  dir.write("cback.stage", "");
  dir.write("alpha/etc.tar", "x");
  const auto gaps = inspect_day(dir.path(), k_peers);
  CHECK_THAT(gaps.record_error, Catch::Contains("no stage status record") &&
                                    Catch::Contains((dir / "cback.peers").string()));
  CHECK(gaps.missing_peers == k_peers);
  CHECK_THROWS_WITH(require_complete_day(dir.path(), k_peers, IncompleteDay::refuse),
                    Catch::Contains("cback.peers") && Catch::Contains("alpha, beta"));
  // Even with no peer configured, a missing record is a gap.
  CHECK_FALSE(inspect_day(dir.path(), {}).complete());
  CHECK_THROWS(require_complete_day(dir.path(), {}, IncompleteDay::refuse));
  CHECK(require_complete_day(dir.path(), k_peers, IncompleteDay::warn).size() == 2);
}

TEST_CASE("Failed and not-ready peers refuse the day unless allowed, then they are a warning",
          "[store][complete-day]") {
  TempDir dir;
  dir.write("cback.peers", "cback-stage-status 1 2026-11-24\n"
                           "peer staged 2 100 100 5 alpha\t\n"
                           "peer failed 0 0 0 7 beta\tconnection refused\n"
                           "peer not-ready 0 0 0 1 gamma\tno cback.collect\n"
                           "peer skipped 0 0 0 1 delta\tno cback.collect\n"
                           "end 4\n");
  const auto gaps = inspect_day(dir.path(), k_peers);
  CHECK(gaps.failed_peers == std::vector<std::string>{"beta", "gamma"});
  CHECK(gaps.missing_peers.empty());
  CHECK_THROWS_WITH(require_complete_day(dir.path(), k_peers, IncompleteDay::refuse),
                    Catch::Contains("its stage failed for peer(s) beta, gamma"));
  CHECK(require_complete_day(dir.path(), k_peers, IncompleteDay::warn) ==
        std::vector<std::string>{"its stage failed for peer(s) beta, gamma"});
}

TEST_CASE("An incomplete stage status record refuses the day naming it", "[store][complete-day]") {
  TempDir dir;
  dir.write("cback.peers", "cback-stage-status 1 2026-11-24\n"
                           "peer staged 2 100 100 5 alpha\t\n");
  const auto gaps = inspect_day(dir.path(), k_peers);
  CHECK_THAT(gaps.record_error, Catch::Contains("unusable") && Catch::Contains("cback.peers"));
  CHECK(gaps.missing_peers == k_peers);
  CHECK_THROWS_WITH(require_complete_day(dir.path(), k_peers, IncompleteDay::refuse),
                    Catch::Contains("cback.peers"));
}

} // namespace cback::actions
