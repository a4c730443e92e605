#include <cback/core/field_escape.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace cback::core {
namespace {

TEST_CASE("An escaped field reads back byte for byte", "[core][escape]") {
  const std::string all_kinds = std::string("plain \\ tab\there\nnew\x7f end\x01") + '\0' + "z";
  CHECK(escape_field(all_kinds).find('\t') == std::string::npos);
  CHECK(unescape_field(escape_field(all_kinds)) == all_kinds);
  CHECK(unescape_field("no escapes at all") == "no escapes at all");
  CHECK(unescape_field("") == "");
  CHECK(unescape_field("\\\\\\x09x\\\\") == "\\\tx\\");
  CHECK(unescape_field("runs \\x41 between \\\\ escapes") == "runs A between \\ escapes");
}

TEST_CASE("A bad escape is refused wherever it is", "[core][escape]") {
  CHECK_FALSE(unescape_field("ends with \\"));
  CHECK_FALSE(unescape_field("\\q unknown"));
  CHECK_FALSE(unescape_field("short \\x4"));
  CHECK_FALSE(unescape_field("not hex \\xzz"));
  CHECK_FALSE(unescape_field("fine \\\\ then \\"));
}

} // namespace
} // namespace cback::core
