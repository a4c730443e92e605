// The rebuild action through the real binary: one new disc with the week's
// staged days.

#include "support/iso_tools.hpp"
#include "support/parts.hpp"
#include "support/store_pool.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace fs = std::filesystem;
namespace iso = cback::test::iso;

namespace cback::test {

TEST_CASE("Rebuild writes one new disc with every day staged since the start of the week",
          "[integration][rebuild]") {
  CBACK_REQUIRE_PART(cback::test::program_available("xorriso"));
  StorePool pool;
  pool.store_extra = "check_data = true\n";
  pool.stage_day("2026-11-22", "LAST-SUNDAY");
  pool.stage_day("2026-11-23", "MONDAY");
  pool.stage_day("2026-11-24", "TUESDAY");
  pool.stage_day("2026-11-25", "WEDNESDAY");
  // Monday and Tuesday were stored to a disc that was later lost.
  REQUIRE(pool.run({"store"}, "2026-11-23").exit_code == 0);
  REQUIRE(pool.run({"store"}, "2026-11-24").exit_code == 0);
  fs::remove(pool.image);

  const RunResult result = pool.run({"rebuild"}, "2026-11-25");
  INFO(result.out << result.err << pool.log());
  REQUIRE(result.exit_code == 0);
  const auto sessions = iso::toc(pool.image);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].volume_id == "CEDAR BACKUP 25-NOV-2026");
  REQUIRE(iso::extract(pool.image, pool.dir / "out"));
  CHECK_FALSE(fs::exists(pool.dir / "out/2026/11/22"));
  for (const std::string date : {"2026-11-23", "2026-11-24", "2026-11-25"}) {
    const fs::path expected = pool.dir / ("expected-" + date);
    fs::copy(pool.day_dir(date), expected, fs::copy_options::recursive);
    // Monday's and Tuesday's cback.store were on disk before the rebuild.
    fs::path on_disc = pool.dir / "out" / date.substr(0, 4) / date.substr(5, 2) / date.substr(8, 2);
    if (!fs::exists(on_disc / "cback.store")) {
      fs::remove(expected / "cback.store");
    }
    CHECK(iso::differences(expected, on_disc).empty());
    CHECK(fs::exists(pool.day_dir(date) / "cback.store"));
  }
  CHECK_FALSE(fs::exists(pool.day_dir("2026-11-22") / "cback.store"));
  // Five files a day (cback.peers included), plus the cback.store Monday
  // and Tuesday had.
  CHECK(pool.log().find("Verified 17 files") != std::string::npos);
}

TEST_CASE("Rebuild replaces an existing disc rather than appending to it",
          "[integration][rebuild]") {
  CBACK_REQUIRE_PART(cback::test::program_available("xorriso"));
  StorePool pool;
  pool.stage_day("2026-11-23", "MONDAY");
  pool.stage_day("2026-11-24", "TUESDAY");
  REQUIRE(pool.run({"store"}, "2026-11-23").exit_code == 0);
  REQUIRE(pool.run({"store"}, "2026-11-24").exit_code == 0);
  REQUIRE(iso::toc(pool.image).size() == 2);
  REQUIRE(pool.run({"rebuild"}, "2026-11-24").exit_code == 0);
  const auto sessions = iso::toc(pool.image);
  REQUIRE(sessions.size() == 1);
  REQUIRE(iso::extract(pool.image, pool.dir / "out"));
  CHECK(fs::exists(pool.dir / "out/2026/11/23/peer1/etc.tar"));
  CHECK(fs::exists(pool.dir / "out/2026/11/24/peer1/etc.tar"));
}

TEST_CASE("Rebuild with nothing staged this week fails and writes nothing",
          "[integration][rebuild]") {
  StorePool pool;
  pool.stage_day("2026-11-20", "LAST-WEEK");
  const RunResult result = pool.run({"rebuild"}, "2026-11-24");
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains("Did not find any staged directories"));
  CHECK_FALSE(fs::exists(pool.image));
}

} // namespace cback::test
