#include <cback/core/error.hpp>
#include <cback/core/lock.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using cback::core::RunLock;

namespace {

std::string expected_message(pid_t holder, const std::filesystem::path& dir) {
  return "Another cback run (pid " + std::to_string(holder) +
         ") is already using working directory " + dir.string() + "; not starting.";
}

// The message of the Error a second RunLock on `dir` throws, or "" if it
// does not throw.
std::string second_lock_message(const std::filesystem::path& dir) {
  try {
    const RunLock second(dir);
  } catch (const cback::Error& error) {
    return error.code() == cback::ExitCode::action ? error.what() : "wrong exit code";
  }
  return "";
}

} // namespace

TEST_CASE("The run lock writes the holder's pid and turns a second run away", "[core][lock]") {
  cback::test::TempDir dir;
  const RunLock lock(dir.path());
  CHECK(lock.path() == dir / "cback.lock");
  CHECK(cback::test::read_file(lock.path()) == std::to_string(::getpid()) + "\n");

  SECTION("another process") {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      const bool refused =
          second_lock_message(dir.path()) == expected_message(::getppid(), dir.path());
      ::_exit(refused ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  SECTION("the same process, opened twice") {
    CHECK(second_lock_message(dir.path()) == expected_message(::getpid(), dir.path()));
  }
}

TEST_CASE("The run lock is released on destruction and follows a move", "[core][lock]") {
  cback::test::TempDir dir;
  {
    RunLock first(dir.path());
    RunLock moved(std::move(first));
    CHECK_FALSE(second_lock_message(dir.path()).empty());
  }
  CHECK(cback::test::read_file(dir / "cback.lock").empty());
  CHECK(second_lock_message(dir.path()).empty());
}

TEST_CASE("A run lock in a missing directory is an action error", "[core][lock]") {
  cback::test::TempDir dir;
  try {
    const RunLock lock(dir / "missing");
    FAIL("no error");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::action);
    CHECK(std::string(error.what()).find("missing/cback.lock") != std::string::npos);
  }
}

TEST_CASE("A lock name that is a hard link, a FIFO or a symbolic link is refused and left alone",
          "[core][lock]") {
  cback::test::TempDir dir;
  const auto victim = dir.write("victim", "precious\n");
  const auto lock_path = dir / "cback.lock";
  SECTION("a hard link to a file elsewhere") {
    REQUIRE(::link(victim.c_str(), lock_path.c_str()) == 0);
  }
  SECTION("a symbolic link") {
    REQUIRE(::symlink(victim.c_str(), lock_path.c_str()) == 0);
  }
  SECTION("a FIFO (the open must not block)") {
    REQUIRE(::mkfifo(lock_path.c_str(), 0600) == 0);
  }
  try {
    const RunLock lock(dir.path());
    FAIL("the lock was taken");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::action);
    CHECK(std::string(error.what()).find(lock_path.string()) != std::string::npos);
  }
  CHECK(cback::test::read_file(victim) == "precious\n");
}
