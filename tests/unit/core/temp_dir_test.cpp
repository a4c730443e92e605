#include <cback/core/temp_dir.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

namespace fs = std::filesystem;
using cback::core::TempDir;

TEST_CASE("A temp dir is made in its parent, mode 0700, and removed with its content",
          "[core][temp_dir]") {
  cback::test::TempDir tmp;
  fs::path made;
  {
    const TempDir dir = TempDir::create(tmp.path(), "cback-test-");
    made = dir.path();
    CHECK(made.parent_path() == tmp.path());
    CHECK(made.filename().string().starts_with("cback-test-"));
    struct stat info {};
    REQUIRE(::stat(made.c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0700);
    fs::create_directories(made / "a/b/c");
    tmp.write(fs::relative(made / "a/b/c/file", tmp.path()).string(), "data");
    tmp.write(fs::relative(made / "top", tmp.path()).string(), "data");
  }
  CHECK_FALSE(fs::exists(fs::symlink_status(made)));
}

TEST_CASE("Removing a temp dir never follows a link found in it", "[core][temp_dir]") {
  cback::test::TempDir tmp;
  const auto victim = tmp.write("elsewhere/keep/file", "precious");
  fs::path made;
  {
    const TempDir dir = TempDir::create(tmp.path(), "scratch-");
    made = dir.path();
    fs::create_directory_symlink(tmp / "elsewhere/keep", made / "dir-link");
    fs::create_symlink(victim, made / "file-link");
    fs::create_directory(made / "sub");
    fs::create_directory_symlink(tmp / "elsewhere", made / "sub/up");
  }
  CHECK_FALSE(fs::exists(fs::symlink_status(made)));
  CHECK(cback::test::read_file(victim) == "precious");
}

TEST_CASE("A released temp dir stays; a moved one is removed once, by its new owner",
          "[core][temp_dir]") {
  cback::test::TempDir tmp;
  fs::path kept;
  {
    auto dir = TempDir::make(tmp.path(), "kept-");
    REQUIRE(dir);
    kept = dir->release();
    CHECK(dir->path().empty());
  }
  CHECK(fs::is_directory(kept));

  fs::path moved;
  {
    auto dir = TempDir::make(tmp.path(), "moved-");
    REQUIRE(dir);
    moved = dir->path();
    TempDir owner = std::move(*dir);
    CHECK(owner.path() == moved);
    { const TempDir gone = std::move(owner); }
    CHECK_FALSE(fs::exists(moved));
  }
}

TEST_CASE("A temp dir in a missing parent reports why", "[core][temp_dir]") {
  cback::test::TempDir tmp;
  const auto dir = TempDir::make(tmp / "missing", "x-");
  REQUIRE_FALSE(dir);
  CHECK(dir.error() == std::errc::no_such_file_or_directory);
}

TEST_CASE("A temp dir that cannot be created throws naming its parent", "[core][temp_dir]") {
  cback::test::TempDir tmp;
  const fs::path missing = tmp / "missing";
  CHECK_THROWS_WITH(TempDir::create(missing, "x-"), Catch::Contains(missing.string()) &&
                                                        Catch::Contains("No such file"));
  const TempDir made = TempDir::create(tmp.path(), "x-");
  CHECK(fs::is_directory(made.path()));
}
