#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/ownership.hpp>

#include "support/logged_dir.hpp"
#include "support/parts.hpp"
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
  cback::test::LoggedDir logged;
  auto& [dir, screen, log] = logged;
  const auto file = dir.write("archive.tar", "data");

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
  CBACK_REQUIRE_PART(cback::test::running_as_root("changing owners"));
  cback::test::LoggedDir logged;
  auto& [dir, screen, log] = logged;
  CHECK_NOTHROW(Ownership(0, 0).apply(dir / "missing", log));
  CHECK(screen.str().starts_with("Error changing ownership of ["));
  CHECK(cback::test::read_file(dir / "cback.log").find("[ERROR  ] Error changing ownership") !=
        std::string::npos);
}

using cback::test::LoggedDir;
using cback::test::stat_of;

TEST_CASE("apply() on a symbolic link never changes the owner of its target",
          "[core][ownership][planted]") {
  CBACK_REQUIRE_PART(cback::test::running_as_root("changing owners"));
  LoggedDir f;
  const auto victim = f.root_victim("passwd", "root:x:0:0");
  const auto link = f.dir / "cback.collect";
  std::filesystem::create_symlink(victim, link);

  Ownership::lookup("nobody", "nogroup").apply(link, f.log);

  CHECK(cback::test::owned_by_root(victim));
  // The link itself is given away, as a name the backup user made.
  CHECK(S_ISLNK(stat_of(link).st_mode));
  CHECK(stat_of(link).st_uid == 65534);
  CHECK(f.screen.str().empty());
}

TEST_CASE("apply() leaves a file with a second hard link alone and says so",
          "[core][ownership][planted]") {
  CBACK_REQUIRE_PART(cback::test::running_as_root("changing owners"));
  LoggedDir f;
  const auto victim = f.root_victim("shadow", "root:*:");
  const auto name = f.dir / "archive.tar";
  std::filesystem::create_hard_link(victim, name);

  Ownership::lookup("nobody", "nogroup").apply(name, f.log);

  CHECK(cback::test::owned_by_root(victim));
  CHECK_THAT(f.screen.str(), Catch::Contains(name.string()) && Catch::Contains("2 links"));
}
