// cback-bench burn's units and command line.

#include <cback/bench_burn/options.hpp>
#include <cback/bench_burn/units.hpp>
#include <cback/core/error.hpp>

#include <catch2/catch.hpp>

#include <string_view>
#include <vector>

using namespace cback::bench_burn;

TEST_CASE("speeds are read as medium factors or bytes per second", "[bench_burn][units]") {
  CHECK(parse_speed("dvd:16") == Approx(16 * 1385000.0));
  CHECK(parse_speed("cd:48") == Approx(48 * 177000.0));
  CHECK(parse_speed("bd:4") == Approx(4 * 4496000.0));
  CHECK(parse_speed("dvd:2.4") == Approx(2.4 * 1385000.0));
  CHECK(parse_speed("1385000") == Approx(1385000.0));
  CHECK(parse_speed("20M") == Approx(20.0 * 1024 * 1024));
  for (const char* bad : {"", "dvd:", "dvd:0", "dvd:x", "hd:4", "0", "-5", "5X"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_speed(bad), cback::Error);
  }
}

TEST_CASE("sizes take binary suffixes and durations take ms or s", "[bench_burn][units]") {
  CHECK(parse_size("65536") == 65536);
  CHECK(parse_size("64K") == 64 * 1024);
  CHECK(parse_size("3M") == 3 * 1024 * 1024);
  CHECK(parse_size("1GiB") == 1024LL * 1024 * 1024);
  CHECK_THROWS_AS(parse_size("3 M"), cback::Error);
  CHECK(parse_duration("200ms").count() == 200);
  CHECK(parse_duration("1.5s").count() == 1500);
  CHECK_THROWS_AS(parse_duration("200"), cback::Error);
}

TEST_CASE("a stall is a pause shorter than its period", "[bench_burn][units]") {
  const auto stall = parse_stall("200ms/1s");
  CHECK(stall.pause.count() == 200);
  CHECK(stall.period.count() == 1000);
  CHECK_THROWS_AS(parse_stall("1s/1s"), cback::Error);
  CHECK_THROWS_AS(parse_stall("200ms"), cback::Error);
  CHECK_THROWS_AS(parse_stall("0ms/1s"), cback::Error);
}

TEST_CASE("burn options fill a generated source or a directory, and refuse unknown ones",
          "[bench_burn][options]") {
  using Args = std::vector<std::string_view>;
  const auto generated = parse_burn_options(Args{"--size", "8M", "--files", "3", "--seed", "7",
                                                 "--speed", "cd:4", "--stall", "300ms/2s"});
  const auto& tree = std::get<cback::bench_burn::SyntheticTree>(generated.source);
  CHECK(tree.bytes == 8 * 1024 * 1024);
  CHECK(tree.files == 3);
  CHECK(tree.seed == 7);
  CHECK(generated.speed == Approx(4 * 177000.0));
  REQUIRE(generated.stall);
  CHECK(generated.stall->pause.count() == 300);
  CHECK_FALSE(generated.fifo);

  const auto real = parse_burn_options(Args{"--dir", "/srv/staging", "--fifo", "2M"});
  CHECK(std::get<std::filesystem::path>(real.source) == "/srv/staging");
  CHECK(real.fifo == 2 * 1024 * 1024);
  CHECK(real.speed == Approx(16 * 1385000.0));

  CHECK_THROWS_AS(parse_burn_options(Args{"--dir", "/x", "--size", "1M"}), cback::Error);
  CHECK_THROWS_AS(parse_burn_options(Args{"--speedy", "1"}), cback::Error);
  CHECK_THROWS_AS(parse_burn_options(Args{"--speed"}), cback::Error);
  CHECK(parse_burn_options(Args{"--help"}).help);
}

TEST_CASE("the default FIFO holds about ten seconds within 4 MiB and 1 GiB",
          "[bench_burn][options]") {
  constexpr std::int64_t k_mib = 1024 * 1024;
  CHECK(default_fifo_for(16 * 1385000.0) == 212 * k_mib);
  CHECK(default_fifo_for(177000.0) == 4 * k_mib);
  CHECK(default_fifo_for(32 * 4496000.0) == 1024 * k_mib);
}
