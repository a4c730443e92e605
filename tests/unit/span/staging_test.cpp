// What cback-span takes from a staging directory.

#include "support/temp_dir.hpp"

#include <cback/core/error.hpp>
#include <cback/span/staging.hpp>

#include <catch2/catch.hpp>

using cback::span::find_unstored;
using cback::test::TempDir;

TEST_CASE("cback-span takes the unstored days and their files", "[span]") {
  TempDir dir;
  dir.write("2026/11/24/cback.stage", "");
  dir.write("2026/11/24/peer1/etc.tar", "12345");
  dir.write("2026/11/25/cback.stage", "");
  dir.write("2026/11/25/cback.store", "");
  const auto staged = find_unstored(dir.path());
  CHECK(staged.daily_dirs == std::vector<std::filesystem::path>{dir / "2026/11/24"});
  CHECK(staged.files.size() == 2);
  CHECK(staged.total == 5);
}

TEST_CASE("cback-span refuses an unstored day with a partial file, naming it", "[span]") {
  TempDir dir;
  dir.write("2026/11/24/cback.stage", "");
  dir.write("2026/11/24/peer1/etc.tar", "12345");
  dir.write("2026/11/24/peer1/db.tar.partial", "cut");
  CHECK_THROWS_WITH(find_unstored(dir.path()),
                    Catch::Contains("peer1/db.tar.partial") && Catch::Contains("2026/11/24"));
  // Once the day is stored, it is no longer span's concern.
  dir.write("2026/11/24/cback.store", "");
  CHECK(find_unstored(dir.path()).daily_dirs.empty());
}
