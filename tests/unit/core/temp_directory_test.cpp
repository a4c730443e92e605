#include <cback/core/error.hpp>
#include <cback/core/temp_directory.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

namespace fs = std::filesystem;

TEST_CASE("A temporary directory is private, named by its prefix, and removed with its content",
          "[core][temp_directory]") {
  cback::test::TempDir tmp;
  fs::path made;
  {
    const cback::core::TempDirectory scratch(tmp.path(), "cback-test");
    made = scratch.path();
    CHECK(made.parent_path() == tmp.path());
    CHECK(made.filename().string().rfind("cback-test-", 0) == 0);
    struct stat info {};
    REQUIRE(::stat(made.c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0700);
    fs::create_directory(made / "sub");
    std::ofstream(made / "sub/copy") << "x";
  }
  CHECK_FALSE(fs::exists(made));
}

TEST_CASE("A temporary directory that cannot be made names its parent", "[core][temp_directory]") {
  cback::test::TempDir tmp;
  const fs::path missing = tmp / "missing";
  CHECK_THROWS_WITH(cback::core::TempDirectory(missing, "cback-test"),
                    Catch::Contains(missing.string()));
}
