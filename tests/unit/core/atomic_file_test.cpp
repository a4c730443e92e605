#include <cback/core/atomic_file.hpp>
#include <cback/core/error.hpp>
#include <cback/core/unique_fd.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using cback::core::AtomicFile;

namespace fs = std::filesystem;

TEST_CASE("An AtomicFile appears under its name only when committed", "[core][atomic_file]") {
  cback::test::TempDir dir;
  const auto target = dir / "digest.sha";
  AtomicFile file(target);
  CHECK(file.partial_path() == dir / "digest.sha.partial");
  file.write("first ");
  file.write("second");
  CHECK(fs::exists(file.partial_path()));
  CHECK_FALSE(fs::exists(target));
  file.commit();
  CHECK(cback::test::read_file(target) == "first second");
  CHECK_FALSE(fs::exists(dir / "digest.sha.partial"));
}

TEST_CASE("Committing replaces an existing file", "[core][atomic_file]") {
  cback::test::TempDir dir;
  const auto target = dir.write("state", "old");
  AtomicFile file(target);
  file.write("new");
  CHECK(cback::test::read_file(target) == "old");
  file.commit();
  CHECK(cback::test::read_file(target) == "new");
}

TEST_CASE("An abandoned AtomicFile leaves nothing behind", "[core][atomic_file]") {
  cback::test::TempDir dir;
  const auto target = dir / "archive.tar";
  {
    AtomicFile file(target);
    file.write("half an archive");
  }
  CHECK_FALSE(fs::exists(target));
  CHECK_FALSE(fs::exists(dir / "archive.tar.partial"));
}

TEST_CASE("A moved AtomicFile is committed by its new owner", "[core][atomic_file]") {
  cback::test::TempDir dir;
  const auto target = dir / "moved";
  AtomicFile first(target);
  first.write("x");
  {
    AtomicFile second(std::move(first));
    second.commit();
  }
  CHECK(cback::test::read_file(target) == "x");
}

TEST_CASE("An AtomicFile in a missing directory is an action error", "[core][atomic_file]") {
  cback::test::TempDir dir;
  try {
    const AtomicFile file(dir / "missing" / "x");
    FAIL("no error");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::action);
    CHECK(std::string(error.what()).find("missing/x.partial") != std::string::npos);
  }
}

TEST_CASE("write_indicator creates an empty file atomically", "[core][atomic_file]") {
  cback::test::TempDir dir;
  cback::core::write_indicator(dir / "cback.collect");
  CHECK(fs::exists(dir / "cback.collect"));
  CHECK(fs::file_size(dir / "cback.collect") == 0);
  CHECK_FALSE(fs::exists(dir / "cback.collect.partial"));
}

TEST_CASE("UniqueFd closes its fd once and can hand it over", "[core][unique_fd]") {
  cback::core::UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  REQUIRE(fd);
  const int raw = fd.get();
  cback::core::UniqueFd other(std::move(fd));
  CHECK_FALSE(fd.valid()); // NOLINT(bugprone-use-after-move): the contract under test
  CHECK(other.get() == raw);
  CHECK(::fcntl(raw, F_GETFD) != -1);
  other.reset();
  CHECK(::fcntl(raw, F_GETFD) == -1);
  cback::core::UniqueFd released(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int kept = released.release();
  CHECK(::fcntl(kept, F_GETFD) != -1);
  CHECK(::close(kept) == 0);
}

// The directories AtomicFile writes into may belong to the backup user, who
// can put anything at NAME.partial before a run (docs/ARCHITECTURE.md, "How
// cback creates files").

TEST_CASE("A symbolic link planted at NAME.partial is removed and its target left untouched",
          "[core][atomic_file][planted]") {
  cback::test::TempDir dir;
  const auto victim = dir.write("elsewhere/victim", "precious");
  fs::create_symlink(victim, dir / "cback.collect.partial");
  AtomicFile file(dir / "cback.collect");
  file.write("new content");
  file.commit();
  CHECK(cback::test::read_file(victim) == "precious");
  CHECK(fs::symlink_status(dir / "cback.collect").type() == fs::file_type::regular);
  CHECK(cback::test::read_file(dir / "cback.collect") == "new content");
  CHECK_FALSE(fs::exists(fs::symlink_status(dir / "cback.collect.partial")));
}

TEST_CASE("A stale NAME.partial is replaced by a new file, never written through",
          "[core][atomic_file][planted]") {
  cback::test::TempDir dir;
  // A hard link: the stale name shares its inode with a file elsewhere.
  const auto victim = dir.write("elsewhere/victim", "precious");
  fs::create_hard_link(victim, dir / "state.partial");
  struct stat before {};
  REQUIRE(::stat(victim.c_str(), &before) == 0);
  AtomicFile file(dir / "state");
  file.write("fresh");
  struct stat partial {};
  REQUIRE(::fstat(file.fd(), &partial) == 0);
  CHECK(partial.st_ino != before.st_ino);
  CHECK(partial.st_nlink == 1);
  file.commit();
  CHECK(cback::test::read_file(victim) == "precious");
  CHECK(cback::test::read_file(dir / "state") == "fresh");
}

TEST_CASE("A directory at NAME.partial is an action error naming it, and is left alone",
          "[core][atomic_file][planted]") {
  cback::test::TempDir dir;
  dir.write("archive.tar.partial/inside", "kept");
  try {
    const AtomicFile file(dir / "archive.tar");
    FAIL("no error");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::action);
    CHECK_THAT(error.what(), Catch::Contains((dir / "archive.tar.partial").string()) &&
                                 Catch::Contains("a directory is in the way"));
  }
  CHECK(cback::test::read_file(dir / "archive.tar.partial/inside") == "kept");
  CHECK_FALSE(fs::exists(dir / "archive.tar"));
}

TEST_CASE("The open NAME.partial can be read back through fd()", "[core][atomic_file]") {
  cback::test::TempDir dir;
  AtomicFile file(dir / "state");
  file.write("records");
  std::string back(7, '\0');
  CHECK(::pread(file.fd(), back.data(), back.size(), 0) == 7);
  CHECK(back == "records");
}
