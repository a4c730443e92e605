// The initialize action and check_media through the real binary.

#include "support/iso_tools.hpp"
#include "support/parts.hpp"
#include "support/store_pool.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace fs = std::filesystem;
namespace iso = cback::test::iso;

namespace cback::test {

TEST_CASE("check_media refuses uninitialized rewritable media until initialize labels it",
          "[integration][initialize]") {
  CBACK_REQUIRE_PART(cback::test::program_available("xorriso"));
  StorePool pool;
  pool.store_extra = "check_media = true\n";
  pool.stage_day("2026-11-24", "TUESDAY");
  const RunResult refused = pool.run({"store"}, "2026-11-24");
  CHECK(refused.exit_code == 6);
  CHECK_THAT(refused.out + refused.err, Catch::Contains("has not been initialized"));
  CHECK_FALSE(fs::exists(pool.day_dir("2026-11-24") / "cback.store"));

  const RunResult initialized = pool.run({"initialize"}, "2026-11-23");
  INFO(initialized.out << initialized.err << pool.log());
  REQUIRE(initialized.exit_code == 0);
  auto sessions = iso::toc(pool.image);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].volume_id == "CEDAR BACKUP 23-NOV-2026");
  REQUIRE(iso::extract(pool.image, pool.dir / "init"));
  CHECK(fs::is_directory(pool.dir / "init/CedarBackup"));
  CHECK(fs::is_empty(pool.dir / "init/CedarBackup"));
  // The temporary directory in working_dir is gone.
  for (const auto& entry : fs::directory_iterator(pool.dir / "work")) {
    CHECK(entry.path().filename().string().find("cback-initialize") == std::string::npos);
  }

  const RunResult stored = pool.run({"store"}, "2026-11-24");
  INFO(stored.out << stored.err);
  REQUIRE(stored.exit_code == 0);
  sessions = iso::toc(pool.image);
  REQUIRE(sessions.size() == 2);
  CHECK(sessions[1].volume_id == "CEDAR BACKUP 24-NOV-2026");
}

TEST_CASE("Initialize refuses write-once media types", "[integration][initialize]") {
  StorePool pool;
  pool.media_type = "dvd+r";
  const RunResult result = pool.run({"initialize"}, "2026-11-23");
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains("Only rewritable media types"));
  CHECK_FALSE(fs::exists(pool.image));
}

TEST_CASE("check_media refuses write-once media with a foreign label",
          "[integration][initialize]") {
  CBACK_REQUIRE_PART(cback::test::program_available("xorriso"));
  StorePool pool;
  pool.media_type = "dvd+r";
  pool.store_extra = "check_media = true\n";
  pool.dir.write("foreign/readme", "not a backup");
  iso::capture("xorriso -outdev " + iso::quoted("stdio:" + pool.image.string()) +
               " -volid FOREIGN -map " + iso::quoted((pool.dir / "foreign").string()) +
               " /foreign -commit");
  REQUIRE(iso::toc(pool.image).size() == 1);
  pool.stage_day("2026-11-24", "TUESDAY");
  const RunResult result = pool.run({"store"}, "2026-11-24");
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains("unrecognized label [FOREIGN]"));
  CHECK(iso::toc(pool.image).size() == 1);
}

} // namespace cback::test
