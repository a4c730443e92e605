#include <cback/core/directory.hpp>
#include <cback/core/unique_fd.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <filesystem>

namespace cback::core {
namespace {

namespace fs = std::filesystem;

UniqueFd open_dir(const fs::path& path) {
  return UniqueFd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

TEST_CASE("A directory's names come sorted byte-wise, without . and ..", "[core][directory]") {
  test::TempDir tmp;
  for (const char* name : {"b", "a.txt", "a", "B", "\xc3\xa9t\xc3\xa9"}) {
    tmp.write(std::string("dir/") + name, "x");
  }
  fs::create_directory(tmp / "dir/sub");
  const UniqueFd dir = open_dir(tmp / "dir");
  REQUIRE(dir);

  const DirNames first = list_names(dir.get());
  CHECK_FALSE(first.error);
  CHECK(first.names ==
        std::vector<std::string>{"B", "a", "a.txt", "b", "sub", "\xc3\xa9t\xc3\xa9"});
  // The fd stays usable: a second listing reads from the start again.
  CHECK(list_names(dir.get()).names == first.names);
}

TEST_CASE("Listing what is not an open directory reports why", "[core][directory]") {
  CHECK(list_names(-1).error == std::errc::bad_file_descriptor);
}

TEST_CASE("A link's target is read whatever its length; a file has none", "[core][directory]") {
  test::TempDir tmp;
  const std::string long_target(1000, 'x');
  fs::create_symlink(long_target, tmp / "long");
  fs::create_symlink("short", tmp / "short");
  tmp.write("file", "x");
  const UniqueFd dir = open_dir(tmp.path());
  CHECK(read_link(dir.get(), "long") == long_target);
  CHECK(read_link(dir.get(), "short") == "short");
  CHECK_FALSE(read_link(dir.get(), "file").has_value());
}

} // namespace
} // namespace cback::core
