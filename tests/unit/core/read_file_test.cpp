#include <cback/core/read_file.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cback/core/beneath.hpp>
#include <cback/core/unique_fd.hpp>

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/stat.h>

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

TEST_CASE("read_file_beneath reads a regular file and refuses links, FIFOs and big files",
          "[core][read_file]") {
  cback::test::TempDir dir;
  dir.write("small", "hello");
  dir.write("big", std::string(2000, 'b'));
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  std::filesystem::create_symlink(dir / "small", dir / "link");
  const cback::core::UniqueFd fd(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY));
  REQUIRE(fd);
  using cback::core::FileRefusal;
  const auto read = [&](const char* name) {
    return cback::core::read_file_beneath(fd.get(), name, 1000);
  };
  CHECK(read("small").value_or("") == "hello");
  CHECK(read("big").error() == FileRefusal::too_large);
  CHECK(read("fifo").error() == FileRefusal::not_regular);
  CHECK(read("link").error() == FileRefusal::symlink);
  CHECK(read("missing").error() == std::errc::no_such_file_or_directory);
  CHECK(read("../small").error() == std::errc::invalid_argument);
}

TEST_CASE("open_beneath accepts only plain names and follows no link", "[core][read_file]") {
  cback::test::TempDir dir;
  std::filesystem::create_directories(dir / "inner");
  std::filesystem::create_symlink(dir / "outside", dir / "inner/link");
  const cback::core::UniqueFd inner(::open((dir / "inner").c_str(), O_RDONLY | O_DIRECTORY));
  REQUIRE(inner);
  for (const char* name : {"../outside", "/tmp/x", "a/b", ".", "..", ""}) {
    INFO("name [" << name << "]");
    CHECK_FALSE(cback::core::open_beneath(inner.get(), name, O_WRONLY | O_CREAT, 0600));
    CHECK(errno == EINVAL);
  }
  CHECK_FALSE(cback::core::open_beneath(inner.get(), "link", O_WRONLY | O_CREAT, 0600));
  CHECK(errno == ELOOP);
  CHECK_FALSE(std::filesystem::exists(dir / "outside"));
  CHECK(cback::core::open_beneath(inner.get(), "plain", O_WRONLY | O_CREAT | O_EXCL, 0600));
  CHECK(std::filesystem::exists(dir / "inner/plain"));
}
