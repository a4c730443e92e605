#include <cback/actions/purge.hpp>
#include <cback/config/outputs.hpp>
#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/process.hpp>

#include "support/file_ages.hpp"
#include "support/run_fixture.hpp"

#include <catch2/catch.hpp>

#include <sstream>

namespace cback::actions {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;
constexpr std::int64_t k_day = test::k_day_seconds;
constexpr std::int64_t k_now_seconds = 1'700'000'000;
const Clock::time_point k_now = Clock::time_point{std::chrono::seconds{k_now_seconds}};

/// test::set_ages at k_now, the moment the purge runs.
void set_ages(const fs::path& path, std::int64_t atime_age, std::int64_t mtime_age) {
  test::set_ages(path, atime_age, mtime_age, k_now_seconds);
}

struct Fixture : test::RunFixture {
  Fixture() { config.purge = config::Purge{}; }
  void add(const std::string& relative, int retain_days) {
    config::PurgeDir dir;
    dir.abs_path = (tmp / relative).string();
    dir.retain_days = retain_days;
    config.purge->dirs.push_back(dir);
  }
  void purge() { run_purge_at(context, k_now); }
};

TEST_CASE("Purge deletes old files, keeps young ones and removes emptied directories",
          "[actions][purge]") {
  Fixture f;
  set_ages(f.tmp.write("one/new", "n"), k_day, k_day);
  set_ages(f.tmp.write("one/old", "o"), 10 * k_day, 10 * k_day);
  set_ages(f.tmp.write("one/read", "r"), 3600, 10 * k_day);
  set_ages(f.tmp.write("one/sub/older", "d"), 30 * k_day, 30 * k_day);
  set_ages(f.tmp.write("two/x", "x"), 0, 0);
  f.add("one", 7);
  f.add("two", 0);

  SECTION("by default reading a file keeps it") {
    f.purge();
    CHECK(fs::exists(f.tmp / "one/new"));
    CHECK(fs::exists(f.tmp / "one/read"));
  }
  SECTION("with the mtime basis only a modification keeps a file") {
    f.config.purge->age_basis = config::AgeBasis::mtime;
    f.purge();
    CHECK(fs::exists(f.tmp / "one/new"));
    CHECK_FALSE(fs::exists(f.tmp / "one/read"));
  }
  CHECK_FALSE(fs::exists(f.tmp / "one/old"));
  CHECK_FALSE(fs::exists(f.tmp / "one/sub"));
  CHECK(fs::exists(f.tmp / "one"));
  CHECK(fs::is_empty(f.tmp / "two"));
}

TEST_CASE("A missing purge directory fails the action after the ones before it",
          "[actions][purge]") {
  Fixture f;
  set_ages(f.tmp.write("one/old", "o"), 10 * k_day, 10 * k_day);
  f.add("one", 1);
  f.add("missing", 1);
  try {
    f.purge();
    FAIL("purge should fail");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::action);
    CHECK_THAT(error.what(), Catch::Contains((f.tmp / "missing").string()));
  }
  CHECK_FALSE(fs::exists(f.tmp / "one/old"));
}

TEST_CASE("Purge needs the options and purge sections", "[actions][purge]") {
  Fixture f;
  f.config.purge.reset();
  CHECK_THROWS_AS(f.purge(), Error);
}

} // namespace
} // namespace cback::actions
