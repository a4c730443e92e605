#include <cback/actions/purge_plan.hpp>
#include <cback/core/error.hpp>

#include "support/temp_dir.hpp"
#include "support/walk_fixture.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

namespace cback::actions {
namespace {

using Strings = std::vector<std::string>;
using Clock = std::chrono::system_clock;
constexpr std::int64_t k_day = 86'400;

const Clock::time_point k_now = Clock::time_point{std::chrono::seconds{1'700'000'000}};

/// Sets atime and mtime to `now` minus the given ages in seconds.
void set_ages(const std::filesystem::path& path, std::int64_t atime_age, std::int64_t mtime_age) {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(k_now.time_since_epoch()).count();
  const timespec times[2] = {{now - atime_age, 0}, {now - mtime_age, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

Strings relative(const Strings& paths, const std::filesystem::path& base) {
  Strings out;
  for (const auto& path : paths) {
    out.push_back(path.substr(base.string().size() + 1));
  }
  return out;
}

/// purge/{new (1 day), old (10 days), read (mtime 10 days, atime 1 hour),
/// sub/{deep/older (30 days)}, link -> old, dirlink -> sub, broken -> nowhere, fifo}
void make_purge_tree(const test::TempDir& tmp) {
  set_ages(tmp.write("purge/new", "n"), k_day, k_day);
  set_ages(tmp.write("purge/old", "o"), 10 * k_day, 10 * k_day);
  set_ages(tmp.write("purge/read", "r"), 3600, 10 * k_day);
  set_ages(tmp.write("purge/sub/deep/older", "d"), 30 * k_day, 30 * k_day);
  test::make_link("old", tmp / "purge/link");
  test::make_link("sub", tmp / "purge/dirlink");
  test::make_link("nowhere", tmp / "purge/broken");
  set_ages(tmp / "purge/link", 0, 0); // a fresh link is still purged
  REQUIRE(::mkfifo((tmp / "purge/fifo").c_str(), 0600) == 0);
}

TEST_CASE("Retain days 0 purges every file and link and tries every directory",
          "[actions][purge]") {
  test::TempDir tmp;
  make_purge_tree(tmp);
  const auto plan = plan_purge((tmp / "purge").string(), 0, k_now, AgeBasis::max_atime_mtime);
  CHECK(relative(plan.remove, tmp.path()) == Strings{"purge/dirlink", "purge/link", "purge/new",
                                                     "purge/old", "purge/read",
                                                     "purge/sub/deep/older"});
  CHECK(relative(plan.rmdir, tmp.path()) == Strings{"purge/sub/deep", "purge/sub"});
  CHECK(plan.problems.empty());
}

TEST_CASE("Files younger than the retain days are kept; reading renews a file",
          "[actions][purge]") {
  test::TempDir tmp;
  make_purge_tree(tmp);
  const auto plan = plan_purge((tmp / "purge").string(), 10, k_now, AgeBasis::max_atime_mtime);
  CHECK(relative(plan.remove, tmp.path()) ==
        Strings{"purge/dirlink", "purge/link", "purge/old", "purge/sub/deep/older"});
}

TEST_CASE("With the mtime basis reading does not renew a file", "[actions][purge]") {
  test::TempDir tmp;
  make_purge_tree(tmp);
  const auto plan = plan_purge((tmp / "purge").string(), 10, k_now, AgeBasis::mtime);
  CHECK(relative(plan.remove, tmp.path()) ==
        Strings{"purge/dirlink", "purge/link", "purge/old", "purge/read", "purge/sub/deep/older"});
}

TEST_CASE("Ages are whole days, rounded down, and never negative", "[actions][purge]") {
  test::TempDir tmp;
  set_ages(tmp.write("purge/almost", "a"), 2 * k_day - 1, 2 * k_day - 1);
  set_ages(tmp.write("purge/exact", "e"), 2 * k_day, 2 * k_day);
  set_ages(tmp.write("purge/future", "f"), -5 * k_day, -5 * k_day);
  const auto dir = (tmp / "purge").string();
  CHECK(relative(plan_purge(dir, 2, k_now, AgeBasis::mtime).remove, tmp.path()) ==
        Strings{"purge/exact"});
  CHECK(relative(plan_purge(dir, 1, k_now, AgeBasis::mtime).remove, tmp.path()) ==
        Strings{"purge/almost", "purge/exact"});
  CHECK(relative(plan_purge(dir, 0, k_now, AgeBasis::mtime).remove, tmp.path()).size() == 3);
}

TEST_CASE("A missing purge directory or negative retain days is an error", "[actions][purge]") {
  test::TempDir tmp;
  CHECK_THROWS_AS(plan_purge((tmp / "missing").string(), 1, k_now, AgeBasis::mtime), Error);
  CHECK_THROWS_AS(plan_purge(tmp.path().string(), -1, k_now, AgeBasis::mtime), Error);
  const auto empty = plan_purge(tmp.path().string(), 0, k_now, AgeBasis::mtime);
  CHECK(empty.remove.empty());
  CHECK(empty.rmdir.empty());
}

} // namespace
} // namespace cback::actions
