#include <cback/config/location.hpp>

#include <catch2/catch.hpp>

using cback::config::Location;
using cback::config::Problem;

TEST_CASE("A location prints as much of file:line:col as is known", "[config][location]") {
  CHECK(Location{"a.toml", 3, 7}.str() == "a.toml:3:7");
  CHECK(Location{"a.xml", 12, 0}.str() == "a.xml:12");
  CHECK(Location{"a.xml", 0, 0}.str() == "a.xml");
  CHECK(Problem{{"a.xml", 2, 0}, "bad"}.str() == "a.xml:2: bad");
}
