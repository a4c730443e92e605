#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/outputs.hpp>

#include "support/logged_dir.hpp"
#include "support/parts.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using cback::core::Outputs;

using cback::test::LoggedDir;
using cback::test::stat_of;

TEST_CASE("Outputs gives a file to the backup user and group when running as root",
          "[core][outputs]") {
  LoggedDir f;
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
  LoggedDir f;
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
  LoggedDir f;
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

TEST_CASE("Outputs never give away the target of a link planted at an output's path",
          "[core][outputs][planted]") {
  CBACK_REQUIRE_PART(cback::test::running_as_root("giving outputs away"));
  LoggedDir f;
  const auto victim = f.root_victim("shadow", "root:*:1:0");
  const auto planted = f.dir / "archive.tar";
  const auto indicator = f.dir / "cback.store";
  std::filesystem::create_symlink(victim, planted);
  std::filesystem::create_symlink(victim, indicator);
  const Outputs outputs("nobody", "nogroup");

  outputs.own(planted, f.log);
  outputs.write_indicator(indicator, f.log);

  // The victim keeps its owner; the indicator replaced the link with a file.
  CHECK(cback::test::owned_by_root(victim));
  CHECK(S_ISREG(stat_of(indicator).st_mode));
  CHECK(stat_of(indicator).st_uid == 65534);
  CHECK(cback::test::read_file(victim) == "root:*:1:0");
}

TEST_CASE("LazyOutputs makes the outputs on first use, once, and again after a failure",
          "[core][outputs]") {
  int made = 0;
  bool fail = true;
  const cback::core::LazyOutputs lazy([&] {
    ++made;
    if (fail) {
      throw cback::Error(cback::ExitCode::action, "no such user");
    }
    return Outputs();
  });
  CHECK(made == 0);
  CHECK_THROWS_AS(lazy.get(), cback::Error);
  fail = false;
  const Outputs& first = lazy.get();
  CHECK(&lazy.get() == &first);
  CHECK(made == 2);
  CHECK(first.ownership() == nullptr);
}
