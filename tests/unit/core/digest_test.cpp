#include <cback/core/digest.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

namespace cback::core {
namespace {

TEST_CASE("SHA-256 digests match the standard test vector", "[core][digest]") {
  CHECK(to_hex(sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  test::TempDir tmp;
  const auto file = tmp.write("abc", "abc");
  CHECK(sha256_file(file.string()).value() == sha256("abc"));
  CHECK_THAT(sha256_file((tmp / "missing").string()).error(), Catch::Contains("missing"));
  CHECK(digest_from_hex(to_hex(sha256("x"))) == sha256("x"));
  CHECK_FALSE(digest_from_hex("zz").has_value());
}

} // namespace
} // namespace cback::core
