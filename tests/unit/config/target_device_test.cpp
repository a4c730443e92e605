// config::target_device: the {week} of an image target per week.

#include <cback/config/target_device.hpp>

#include <catch2/catch.hpp>

namespace cback::config {

using namespace std::chrono_literals;

TEST_CASE("{week} becomes the start date of the week", "[config][target_device]") {
  CHECK(device_for_week("stdio:/srv/cback-{week}.iso", 2026y / 11 / 23) ==
        "stdio:/srv/cback-2026-11-23.iso");
  CHECK(device_for_week("stdio:/srv/{week}-{week}.iso", 2027y / 1 / 4) ==
        "stdio:/srv/2027-01-04-2027-01-04.iso");
  CHECK(device_for_week("stdio:/srv/disc.iso", 2027y / 1 / 4) == "stdio:/srv/disc.iso");
  CHECK(device_for_week("/dev/sr0", 2027y / 1 / 4) == "/dev/sr0");
}

TEST_CASE("A run's target device is that of today's week by the starting day",
          "[config][target_device]") {
  Config config;
  config.store.emplace();
  config.store->target_device = "stdio:/srv/cback-{week}.iso";
  // No options section: weeks start on Monday. 2026-11-26 is a Thursday.
  CHECK(target_device_for(config, 2026y / 11 / 26) == "stdio:/srv/cback-2026-11-23.iso");
  config.options.emplace();
  config.options->starting_day = Weekday::wednesday;
  CHECK(target_device_for(config, 2026y / 11 / 26) == "stdio:/srv/cback-2026-11-25.iso");
  CHECK(target_device_for(config, 2026y / 11 / 24) == "stdio:/srv/cback-2026-11-18.iso");
}

TEST_CASE("Only {week}, in a stdio: file name, is a target device placeholder",
          "[config][target_device]") {
  CHECK_FALSE(target_device_problem("stdio:/srv/cback-{week}.iso"));
  CHECK_FALSE(target_device_problem("/dev/sr0"));
  CHECK(target_device_problem("stdio:/srv/{week}/disc.iso"));
  CHECK(target_device_problem("/dev/sr{week}"));
  CHECK(target_device_problem("stdio:/srv/disc-{date}.iso"));
  CHECK(target_device_problem("stdio:/srv/disc-{}.iso"));
  CHECK(target_device_problem("stdio:/srv/disc-{week.iso"));
  CHECK(target_device_problem("stdio:/srv/disc-}.iso"));
}

} // namespace cback::config
