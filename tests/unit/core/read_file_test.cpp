#include <cback/core/read_file.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("read_file returns every byte of a file, NULs included", "[core][read_file]") {
  cback::test::TempDir dir;
  const std::string bytes = std::string("a\0b\n", 4) + std::string(200000, 'x');
  const auto content = cback::core::read_file(dir.write("f", bytes));
  REQUIRE(content);
  CHECK(*content == bytes);
}

TEST_CASE("read_file reports a missing file as ENOENT", "[core][read_file]") {
  cback::test::TempDir dir;
  const auto content = cback::core::read_file(dir / "missing");
  REQUIRE_FALSE(content);
  CHECK(content.error() == std::errc::no_such_file_or_directory);
}
