// The capacity extension against a stdio: image.

#include "support/parts.hpp"
#include "support/store_pool.hpp"

#include <catch2/catch.hpp>

namespace cback::test {

namespace {

constexpr const char* k_extension = R"(
[extensions]
order_mode = "index"

[[extensions.action]]
name = "capacity"
index = 299
)";

/// Makes `pool` a cdr-74 image (650 MiB) holding one session of about 3 MB.
void write_session(StorePool& pool, const std::string& limit) {
  pool.media_type = "cdr-74";
  pool.device_type = "cdwriter";
  pool.extensions = k_extension;
  pool.extra = "[capacity]\n" + limit + "\n";
  pool.stage_day("2026-11-24", "TUESDAY", 3'000'000);
  const RunResult stored = pool.run({"store"}, "2026-11-24");
  INFO(stored.out << stored.err);
  REQUIRE(stored.exit_code == 0);
}

/// capacity with `limit` on the session of write_session() fails, exit 6,
/// saying `message`.
void check_capacity_error(const std::string& limit, const std::string& message) {
  StorePool pool;
  write_session(pool, limit);
  const RunResult result = pool.run({"capacity"}, "2026-11-24");
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains(message));
}

} // namespace

TEST_CASE("Capacity passes while the medium is within max_percentage", "[integration][capacity]") {
  StorePool pool;
  write_session(pool, "max_percentage = \"50\"");
  const RunResult result = pool.run({"capacity"}, "2026-11-24");
  INFO(result.out << result.err << pool.log());
  CHECK(result.exit_code == 0);
}

TEST_CASE("Capacity beyond max_percentage is an error, exit 6", "[integration][capacity]") {
  check_capacity_error("max_percentage = \"0.1\"", "Media has reached capacity limit of 0.1%: 0.4");
}

TEST_CASE("Capacity with less than min_bytes free is an error, exit 6", "[integration][capacity]") {
  StorePool ok;
  write_session(ok, "min_bytes = \"100 MB\"");
  CHECK(ok.run({"capacity"}, "2026-11-24").exit_code == 0);

  check_capacity_error("min_bytes = \"649 MB\"",
                       "Media has reached capacity limit of 649 MB: only 6");
}

} // namespace cback::test
