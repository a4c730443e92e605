#include <cback/collect/naming.hpp>

#include <catch2/catch.hpp>

namespace cback::collect {
namespace {

using config::ArchiveMode;

TEST_CASE("Archive names follow the original's examples", "[collect][naming]") {
  CHECK(archive_file_name("/etc", ArchiveMode::targz) == "etc.tar.gz");
  CHECK(archive_file_name("/home/user1", ArchiveMode::targz) == "home-user1.tar.gz");
  CHECK(archive_file_name("/home/root/.profile", ArchiveMode::tarbz2) ==
        "home-root-.profile.tar.bz2");
  CHECK(archive_file_name("/", ArchiveMode::tar) == "_.tar");
  CHECK(archive_file_name("/srv/data", ArchiveMode::tarzst) == "srv-data.tar.zst");
}

// Expected values were produced by the original's buildNormalizedPath.
TEST_CASE("Normalised names match buildNormalizedPath", "[collect][naming]") {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"/", "_"},
      {"\\", "_"},
      {"", ""},
      {"/etc", "etc"},
      {"c:/x", "c-x"},
      {"C:\\y z", "C-y_z"},
      {"/\\x", "x"},
      {".a", "_a"},
      {"/.x", "_x"},
      {"//x", "-x"},
      {"/a b\tc:d", "a_b_c_d"},
      {"/a\nb", "a_b"},
      {"c:x", "c_x"},
      {"/c:/x", "c_-x"},
      {"rel/x", "rel-x"},
      {"/x\xc2\xa0y", "x_y"},     // U+00A0 no-break space
      {"/x\xe2\x80\x83y", "x_y"}, // U+2003 em space
      {"/x\xc2\x85y", "x_y"},     // U+0085 next line
      {"/x\x1cy", "x_y"},         // file separator, whitespace to Python
      {"/caf\xc3\xa9", "caf\xc3\xa9"},
      {"/bad\xff\xa0name", "bad\xff\xa0name"}, // not UTF-8: kept byte for byte
      {"/a/b-c", "a-b-c"},
      {"/a-b/c", "a-b-c"},
  };
  for (const auto& [path, expected] : table) {
    INFO("path: " << path);
    CHECK(normalized_name(path) == expected);
  }
}

TEST_CASE("State and legacy digest files are named after the item", "[collect][naming]") {
  CHECK(state_file_name("/home/user1") == "home-user1.state");
  CHECK(legacy_digest_file_name("/etc") == "etc.sha");
  CHECK(legacy_digest_file_name("/") == "_.sha");
}

TEST_CASE("Every archive mode has its extension", "[collect][naming]") {
  CHECK(archive_extension(ArchiveMode::tar) == "tar");
  CHECK(archive_extension(ArchiveMode::targz) == "tar.gz");
  CHECK(archive_extension(ArchiveMode::tarbz2) == "tar.bz2");
  CHECK(archive_extension(ArchiveMode::tarzst) == "tar.zst");
}

} // namespace
} // namespace cback::collect
