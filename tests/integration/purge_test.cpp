// The purge action through the real binary, over files whose ages are set
// with utimensat.

#include "support/file_ages.hpp"
#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

constexpr std::int64_t k_day = k_day_seconds;

struct PurgePool : Pool {
  /// keep/ retained 7 days, all/ retained 0 days, plus `extra` TOML.
  RunResult purge(const std::string& extra = "") {
    configure(fmt::format(R"({}[purge]
{}
[[purge.dir]]
abs_path = '{}'
retain_days = 7

[[purge.dir]]
abs_path = '{}'
retain_days = 0
)",
                          toml_head(make_dir("work")), extra, (dir / "keep").string(),
                          (dir / "all").string()));
    return cback({"purge"});
  }

  void make_files() const {
    set_ages(dir.write("keep/young", "y"), k_day, k_day);
    set_ages(dir.write("keep/old", "o"), 10 * k_day, 10 * k_day);
    set_ages(dir.write("keep/read", "r"), 3600, 10 * k_day);
    set_ages(dir.write("keep/sub/older", "s"), 30 * k_day, 30 * k_day);
    set_ages(dir.write("all/new", "n"), 0, 0);
    set_ages(dir.write("all/sub/new", "n"), 0, 0);
  }
};

} // namespace

TEST_CASE("Purge keeps files younger than the retain days; a read file counts as used",
          "[integration][purge]") {
  PurgePool pool;
  pool.make_files();
  const auto result = pool.purge();
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(fs::exists(pool.dir / "keep/young"));
  CHECK(fs::exists(pool.dir / "keep/read"));
  CHECK_FALSE(fs::exists(pool.dir / "keep/old"));
  CHECK_FALSE(fs::exists(pool.dir / "keep/sub"));
  CHECK(fs::exists(pool.dir / "all"));
  CHECK(fs::is_empty(pool.dir / "all"));
}

TEST_CASE("With age_basis mtime a file only read recently is purged", "[integration][purge]") {
  PurgePool pool;
  pool.make_files();
  const auto result = pool.purge("age_basis = \"mtime\"\n");
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(fs::exists(pool.dir / "keep/young"));
  CHECK_FALSE(fs::exists(pool.dir / "keep/read"));
}

TEST_CASE("A missing purge directory exits 6 naming it", "[integration][purge]") {
  PurgePool pool;
  pool.make_files();
  fs::remove_all(pool.dir / "all");
  const auto result = pool.purge();
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains((pool.dir / "all").string()));
  CHECK_FALSE(fs::exists(pool.dir / "keep/old")); // the directory before it was purged
}

} // namespace cback::test
