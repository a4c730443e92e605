#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/outputs.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using cback::core::Outputs;

namespace {

struct LoggedOutputs {
  cback::test::TempDir dir;
  std::ostringstream screen;
  cback::core::Logger log;

  LoggedOutputs() {
    cback::core::LogSettings settings;
    settings.logfile = dir / "cback.log";
    settings.screen = &screen;
    log.configure(settings);
  }
};

struct stat stat_of(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  return info;
}

} // namespace

TEST_CASE("Outputs gives a file to the backup user and group when running as root",
          "[core][outputs]") {
  LoggedOutputs f;
  const auto file = f.dir.write("archive.tar", "data");
  const Outputs outputs("nobody", "nogroup");

  outputs.own(file, f.log);

  if (::geteuid() == 0) {
    REQUIRE(outputs.ownership() != nullptr);
    CHECK(stat_of(file).st_uid == 65534);
    CHECK(stat_of(file).st_gid == 65534);
  } else {
    CHECK(outputs.ownership() == nullptr);
    CHECK(stat_of(file).st_uid == ::geteuid());
  }
  CHECK(f.screen.str().empty());
}

TEST_CASE("Outputs writes an empty indicator file owned by the backup user", "[core][outputs]") {
  LoggedOutputs f;
  const auto indicator = f.dir / "cback.stage";
  const Outputs outputs("nobody", "nogroup");

  outputs.write_indicator(indicator, f.log);

  const auto info = stat_of(indicator);
  CHECK(S_ISREG(info.st_mode));
  CHECK(info.st_size == 0);
  CHECK_FALSE(std::filesystem::exists(f.dir / "cback.stage.partial"));
  if (::geteuid() == 0) {
    CHECK(info.st_uid == 65534);
    CHECK(info.st_gid == 65534);
  }
  CHECK(f.screen.str().empty());
}

TEST_CASE("Outputs looks up an unknown backup user only as root, and then names it",
          "[core][outputs]") {
  if (::geteuid() != 0) {
    CHECK_NOTHROW(Outputs("no-such-user-cback", "root"));
    return;
  }
  CHECK_THROWS_WITH(Outputs("no-such-user-cback", "root"),
                    "Unable to look up user [no-such-user-cback]: no such user");
  CHECK_THROWS_WITH(Outputs("root", "no-such-group-cback"),
                    "Unable to look up group [no-such-group-cback]: no such group");
  try {
    (void)Outputs("no-such-user-cback", "root");
    FAIL("no error for an unknown user");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::action);
  }
}

TEST_CASE("Outputs that own nothing leave the owner of a file alone", "[core][outputs]") {
  LoggedOutputs f;
  const auto file = f.dir.write("archive.tar", "data");
  const auto before = stat_of(file);
  const Outputs outputs;

  CHECK(outputs.ownership() == nullptr);
  outputs.own(file, f.log);
  outputs.write_indicator(f.dir / "cback.collect", f.log);

  CHECK(stat_of(file).st_uid == before.st_uid);
  CHECK(stat_of(file).st_gid == before.st_gid);
  CHECK(stat_of(f.dir / "cback.collect").st_uid == ::geteuid());
  CHECK(f.screen.str().empty());
}

TEST_CASE("Outputs never follow a symbolic link to give its target away",
          "[core][outputs][planted]") {
  if (::geteuid() != 0) {
    SUCCEED("not root: own() does nothing");
    return;
  }
  LoggedOutputs f;
  const auto victim = f.dir.write("elsewhere/passwd", "root:x:0:0");
  REQUIRE(::chown(victim.c_str(), 0, 0) == 0);
  const auto link = f.dir / "cback.collect";
  std::filesystem::create_symlink(victim, link);

  Outputs("nobody", "nogroup").own(link, f.log);

  CHECK(stat_of(victim).st_uid == 0);
  CHECK(stat_of(victim).st_gid == 0);
  CHECK(S_ISLNK(stat_of(link).st_mode));
}
