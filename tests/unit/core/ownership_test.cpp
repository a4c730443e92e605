#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/ownership.hpp>

#include "logged_dir.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using cback::core::Ownership;

TEST_CASE("Ownership looks up the user and the group by name", "[core][ownership]") {
  const Ownership root = Ownership::lookup("root", "root");
  CHECK(root.uid() == 0);
  CHECK(root.gid() == 0);
  CHECK(cback::core::lookup_uid("nobody") == 65534);
  CHECK(cback::core::lookup_gid("nogroup") == 65534);
}

TEST_CASE("An unknown user or group is an action error naming it", "[core][ownership]") {
  CHECK_THROWS_WITH(Ownership::lookup("no-such-user-cback", "root"),
                    "Unable to look up user [no-such-user-cback]: no such user");
  CHECK_THROWS_WITH(Ownership::lookup("root", "no-such-group-cback"),
                    "Unable to look up group [no-such-group-cback]: no such group");
  try {
    (void)Ownership::lookup("no-such-user-cback", "root");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::action);
  }
}

TEST_CASE("apply() gives a file away only when running as root", "[core][ownership]") {
  cback::test::TempDir dir;
  const auto file = dir.write("archive.tar", "data");
  std::ostringstream screen;
  cback::core::Logger log;
  cback::core::LogSettings settings;
  settings.logfile = dir / "cback.log";
  settings.screen = &screen;
  log.configure(settings);

  Ownership::lookup("nobody", "nogroup").apply(file, log);
  struct stat info {};
  REQUIRE(::stat(file.c_str(), &info) == 0);
  if (::geteuid() == 0) {
    CHECK(info.st_uid == 65534);
    CHECK(info.st_gid == 65534);
  } else {
    CHECK(info.st_uid == ::geteuid());
  }
  CHECK(screen.str().empty());
}

TEST_CASE("A failed chown is logged at ERROR and is not fatal", "[core][ownership]") {
  if (::geteuid() != 0) {
    SUCCEED("not root: apply() does nothing, so it cannot fail");
    return;
  }
  cback::test::TempDir dir;
  std::ostringstream screen;
  cback::core::Logger log;
  cback::core::LogSettings settings;
  settings.logfile = dir / "cback.log";
  settings.screen = &screen;
  log.configure(settings);
  CHECK_NOTHROW(Ownership(0, 0).apply(dir / "missing", log));
  CHECK(screen.str().starts_with("Error changing ownership of ["));
  CHECK(cback::test::read_file(dir / "cback.log").find("[ERROR  ] Error changing ownership") !=
        std::string::npos);
}

using cback::test::LoggedDir;
using cback::test::stat_of;

TEST_CASE("apply() on a symbolic link never changes the owner of its target",
          "[core][ownership][planted]") {
  if (::geteuid() != 0) {
    SUCCEED("not root: apply() does nothing");
    return;
  }
  LoggedDir f;
  const auto victim = f.dir.write("elsewhere/passwd", "root:x:0:0");
  REQUIRE(::chown(victim.c_str(), 0, 0) == 0);
  const auto link = f.dir / "cback.collect";
  std::filesystem::create_symlink(victim, link);

  Ownership::lookup("nobody", "nogroup").apply(link, f.log);

  CHECK(stat_of(victim).st_uid == 0);
  CHECK(stat_of(victim).st_gid == 0);
  // The link itself is given away, as a name the backup user made.
  CHECK(S_ISLNK(stat_of(link).st_mode));
  CHECK(stat_of(link).st_uid == 65534);
  CHECK(f.screen.str().empty());
}

TEST_CASE("apply() leaves a file with a second hard link alone and says so",
          "[core][ownership][planted]") {
  if (::geteuid() != 0) {
    SUCCEED("not root: apply() does nothing");
    return;
  }
  LoggedDir f;
  const auto victim = f.dir.write("elsewhere/shadow", "root:*:");
  REQUIRE(::chown(victim.c_str(), 0, 0) == 0);
  const auto name = f.dir / "archive.tar";
  std::filesystem::create_hard_link(victim, name);

  Ownership::lookup("nobody", "nogroup").apply(name, f.log);

  CHECK(stat_of(victim).st_uid == 0);
  CHECK(stat_of(victim).st_gid == 0);
  CHECK_THAT(f.screen.str(), Catch::Contains(name.string()) && Catch::Contains("2 links"));
}
