#include <cback/restore/tree_writer.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace cback::restore {
namespace {

TEST_CASE("Member names that would leave the directory are refused", "[restore][writer]") {
  CHECK(TreeWriter::refusal("etc/hosts") == std::nullopt);
  CHECK(TreeWriter::refusal("a/.../b") == std::nullopt);
  CHECK(TreeWriter::refusal("..a/b..") == std::nullopt);
  CHECK(TreeWriter::refusal(".") == std::nullopt); // the root of an item "/": nothing to write
  CHECK(TreeWriter::refusal("") == "an empty name");
  CHECK(TreeWriter::refusal("/etc/passwd") == "an absolute name");
  CHECK(TreeWriter::refusal("../x") == "a name with a \"..\" component");
  CHECK(TreeWriter::refusal("a/../../x") == "a name with a \"..\" component");
  CHECK(TreeWriter::refusal("a/..") == "a name with a \"..\" component");
  CHECK(TreeWriter::refusal(std::string_view("a\0b", 3)) == "a name with a NUL byte");
}

TEST_CASE("A name below a link or a file counts as taken, never followed", "[restore][writer]") {
  test::TempDir dir;
  test::TempDir elsewhere;
  elsewhere.write("secret", "x");
  std::filesystem::create_directory_symlink(elsewhere.path(), dir / "link");
  dir.write("file", "y");
  TreeWriter writer(dir.path(), Overwrite::no);
  CHECK(writer.taken("file"));
  CHECK(writer.taken("link"));
  CHECK(writer.taken("link/secret"));
  CHECK(writer.taken("file/below"));
  CHECK_FALSE(writer.taken("missing/below"));
  CHECK_FALSE(writer.taken("new"));
}

} // namespace
} // namespace cback::restore
