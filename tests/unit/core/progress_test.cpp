#include <cback/core/progress.hpp>

#include <catch2/catch.hpp>

namespace cback::core {
namespace {

TEST_CASE("Byte counts read as the original's displayBytes", "[core][progress]") {
  CHECK(display_bytes(0) == "0 bytes");
  CHECK(display_bytes(512) == "512 bytes");
  CHECK(display_bytes(1536) == "1.50 kB");
  CHECK(display_bytes(3.25 * 1024 * 1024) == "3.25 MB");
  CHECK(display_bytes(681574400.0) == "650.00 MB");
  CHECK(display_bytes(4.5 * 1024 * 1024 * 1024) == "4.50 GB");
  CHECK(display_bytes(-1536) == "-1.50 kB");
}

TEST_CASE("A progress line is due first, then a second later, and always last",
          "[core][progress]") {
  ProgressClock clock;
  CHECK(clock.due(false));
  CHECK_FALSE(clock.due(false));
  CHECK(clock.due(true));
  CHECK(clock.elapsed_seconds() >= 0.0);
}

} // namespace
} // namespace cback::core
