#include <cback/collect/walker.hpp>
#include <cback/core/error.hpp>

#include "support/temp_dir.hpp"
#include "support/walk_fixture.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace cback::collect {
namespace {

using Strings = std::vector<std::string>;
using test::make_dir;
using test::make_link;
using test::shown;

/// src/{a.txt, b.log, empty/, sub/{c.txt, skip/{.cbignore, d.txt}}}
void make_basic_tree(const test::TempDir& tmp) {
  tmp.write("src/a.txt", "a");
  tmp.write("src/b.log", "b");
  make_dir(tmp / "src/empty");
  tmp.write("src/sub/c.txt", "c");
  tmp.write("src/sub/skip/.cbignore", "");
  tmp.write("src/sub/skip/d.txt", "d");
}

Strings walk(const test::TempDir& tmp, const ExclusionRules& rules, const WalkOptions& options = {},
             const std::string& item = "src") {
  auto result = Walker(ExclusionMatcher(rules)).list_dir((tmp / item).string(), options);
  REQUIRE(result.units.size() == 1);
  CHECK(result.problems.empty());
  return shown(result.units[0].entries, tmp.path());
}

TEST_CASE("A directory lists its directories and files in sorted order", "[collect][walk]") {
  test::TempDir tmp;
  make_basic_tree(tmp);
  CHECK(walk(tmp, {}) == Strings{"src/", "src/a.txt", "src/b.log", "src/empty/", "src/sub/",
                                 "src/sub/c.txt", "src/sub/skip/", "src/sub/skip/.cbignore",
                                 "src/sub/skip/d.txt"});
}

TEST_CASE("A directory holding the ignore file is skipped with its subtree", "[collect][walk]") {
  test::TempDir tmp;
  make_basic_tree(tmp);
  ExclusionRules rules;
  rules.ignore_file = ".cbignore";
  CHECK(walk(tmp, rules) ==
        Strings{"src/", "src/a.txt", "src/b.log", "src/empty/", "src/sub/", "src/sub/c.txt"});

  SECTION("also when it is the item's own directory") {
    tmp.write("src/.cbignore", "");
    CHECK(walk(tmp, rules).empty());
  }
  SECTION("also when the ignore file is a symlink to a file") {
    make_link("../a.txt", tmp / "src/empty/.cbignore");
    CHECK(walk(tmp, rules) ==
          Strings{"src/", "src/a.txt", "src/b.log", "src/sub/", "src/sub/c.txt"});
  }
  SECTION("but not when that symlink is broken (os.path.exists is false)") {
    make_link("a.txt", tmp / "src/empty/.cbignore");
    CHECK(walk(tmp, rules) ==
          Strings{"src/", "src/a.txt", "src/b.log", "src/empty/", "src/sub/", "src/sub/c.txt"});
  }
}

TEST_CASE("Absolute excludes match the exact path of a file or a directory", "[collect][walk]") {
  test::TempDir tmp;
  make_basic_tree(tmp);
  ExclusionRules rules;
  rules.abs_paths = {(tmp / "src/a.txt").string(), (tmp / "src/sub").string(),
                     (tmp / "src/b").string()};
  CHECK(walk(tmp, rules) == Strings{"src/", "src/b.log", "src/empty/"});

  SECTION("excluding the item itself lists nothing") {
    rules.abs_paths = {(tmp / "src").string()};
    CHECK(walk(tmp, rules).empty());
  }
}

TEST_CASE("Patterns must match the whole path, basename patterns the last component",
          "[collect][walk][pattern]") {
  test::TempDir tmp;
  make_basic_tree(tmp);
  ExclusionRules rules;
  SECTION("a full-path pattern") {
    rules.patterns = {".*\\.log", "sub"}; // "sub" alone never matches a full path
    CHECK(walk(tmp, rules) == Strings{"src/", "src/a.txt", "src/empty/", "src/sub/",
                                      "src/sub/c.txt", "src/sub/skip/", "src/sub/skip/.cbignore",
                                      "src/sub/skip/d.txt"});
  }
  SECTION("a full-path pattern on a directory drops its subtree") {
    rules.patterns = {".*/sub"};
    CHECK(walk(tmp, rules) == Strings{"src/", "src/a.txt", "src/b.log", "src/empty/"});
  }
  SECTION("a prefix is not a full match") {
    rules.patterns = {".*/a"};
    const auto listed = walk(tmp, rules);
    CHECK(std::count(listed.begin(), listed.end(), "src/a.txt") == 1);
  }
  SECTION("a basename pattern") {
    rules.basename_patterns = {"sub", "[a-c]\\.txt"};
    CHECK(walk(tmp, rules) == Strings{"src/", "src/b.log", "src/empty/"});
  }
  SECTION("an alternation is grouped inside the anchors") {
    rules.patterns = {".*\\.log|.*/empty"};
    CHECK(walk(tmp, rules) == Strings{"src/", "src/a.txt", "src/sub/", "src/sub/c.txt",
                                      "src/sub/skip/", "src/sub/skip/.cbignore",
                                      "src/sub/skip/d.txt"});
  }
  SECTION("a pattern matching the item drops everything") {
    rules.patterns = {".*/src"};
    CHECK(walk(tmp, rules).empty());
  }
}

TEST_CASE("An invalid pattern is an error naming the pattern", "[collect][pattern]") {
  ExclusionRules rules;
  rules.patterns = {"ok", "bad(["};
  CHECK_THROWS_WITH(ExclusionMatcher(rules), Catch::Contains("[bad([]"));
  CHECK(pattern_error("bad([").value_or("").find("bad([") != std::string::npos);
  CHECK_FALSE(pattern_error(".*\\.tmp").has_value());
}

TEST_CASE("Patterns match names that are not UTF-8, byte by byte", "[collect][pattern]") {
  ExclusionRules rules;
  rules.basename_patterns = {"bad.name", "caf\xc3\xa9"};
  const ExclusionMatcher matcher(rules);
  CHECK(matcher.excluded("/x/bad\xffname"));
  CHECK(matcher.excluded("/x/caf\xc3\xa9"));
  CHECK_FALSE(matcher.excluded("/x/cafe"));
  CHECK_FALSE(matcher.excluded("/x/bad\xff\xfename"));
}

/// t/src/{file.txt, linkfile -> ../other/target.txt, linkdir -> ../other/dir,
/// broken -> nowhere, sub/deep -> /abs/other/dir}; t/other/{target.txt, dir/inner.txt}
void make_link_tree(const test::TempDir& tmp) {
  tmp.write("src/file.txt", "f");
  tmp.write("other/target.txt", "t");
  tmp.write("other/dir/inner.txt", "i");
  make_link("../other/target.txt", tmp / "src/linkfile");
  make_link("../other/dir", tmp / "src/linkdir");
  make_link("nowhere", tmp / "src/broken");
  make_link((tmp / "other/dir").string(), tmp / "src/sub/deep");
}

TEST_CASE("With link depth 0 symlinks are listed as links and never followed",
          "[collect][walk][links]") {
  test::TempDir tmp;
  make_link_tree(tmp);
  for (const bool dereference : {false, true}) {
    CHECK(walk(tmp, {}, WalkOptions{0, dereference, 0}) == Strings{"src/", "src/file.txt",
                                                                   "src/linkdir@", "src/linkfile@",
                                                                   "src/sub/", "src/sub/deep@"});
  }
}

TEST_CASE("With link depth 1 links in the top directory are followed into the link path",
          "[collect][walk][links]") {
  test::TempDir tmp;
  make_link_tree(tmp);
  CHECK(walk(tmp, {}, WalkOptions{1, false, 0}) == Strings{"src/", "src/file.txt", "src/linkdir/",
                                                           "src/linkdir/inner.txt", "src/linkfile@",
                                                           "src/sub/", "src/sub/deep@"});
}

TEST_CASE("With link depth 2 links one level down are followed too", "[collect][walk][links]") {
  test::TempDir tmp;
  make_link_tree(tmp);
  CHECK(walk(tmp, {}, WalkOptions{2, false, 0}) ==
        Strings{"src/", "src/file.txt", "src/linkdir/", "src/linkdir/inner.txt", "src/linkfile@",
                "src/sub/", "src/sub/deep/", "src/sub/deep/inner.txt"});
}

TEST_CASE("Dereference adds link targets and keeps the links themselves",
          "[collect][walk][links]") {
  test::TempDir tmp;
  make_link_tree(tmp);
  SECTION("depth 1") {
    CHECK(walk(tmp, {}, WalkOptions{1, true, 0}) ==
          Strings{"src/", "src/file.txt", "other/dir/", "other/dir/inner.txt", "src/linkdir@",
                  "other/target.txt", "src/linkfile@", "src/sub/", "src/sub/deep@"});
  }
  SECTION("depth 2: the second link reaches the same target, listed once") {
    CHECK(walk(tmp, {}, WalkOptions{2, true, 0}) ==
          Strings{"src/", "src/file.txt", "other/dir/", "other/dir/inner.txt", "src/linkdir@",
                  "other/target.txt", "src/linkfile@", "src/sub/", "src/sub/deep@"});
  }
  SECTION("excludes apply to the targets") {
    ExclusionRules rules;
    rules.abs_paths = {(tmp / "other/target.txt").string()};
    rules.patterns = {".*/other/dir"};
    CHECK(walk(tmp, rules, WalkOptions{1, true, 0}) == Strings{"src/", "src/file.txt",
                                                               "src/linkdir@", "src/linkfile@",
                                                               "src/sub/", "src/sub/deep@"});
  }
}

TEST_CASE("Link depth counts directory levels, not links", "[collect][walk][links]") {
  test::TempDir tmp;
  tmp.write("other/x.txt", "x");
  make_link("../../../other", tmp / "src/a/b/l");
  CHECK(walk(tmp, {}, WalkOptions{2, false, 0}) ==
        Strings{"src/", "src/a/", "src/a/b/", "src/a/b/l@"});
  CHECK(walk(tmp, {}, WalkOptions{3, false, 0}) ==
        Strings{"src/", "src/a/", "src/a/b/", "src/a/b/l/", "src/a/b/l/x.txt"});
}

TEST_CASE("A link to itself or in a loop does not hang the walk", "[collect][walk][links]") {
  test::TempDir tmp;
  make_link("self", tmp / "src/self");
  make_link("..", tmp / "src/up");
  CHECK(walk(tmp, {}, WalkOptions{3, false, 0}).size() > 1);
  CHECK(walk(tmp, {}, WalkOptions{0, false, 0}) == Strings{"src/", "src/up@"});
}

/// What a walk left out, relative to `base`, with the reason in words.
Strings left_out_of(const WalkResult& result, const std::filesystem::path& base) {
  Strings out;
  for (const auto& found : result.left_out) {
    out.push_back(std::filesystem::path(found.path).lexically_relative(base).string() + ": " +
                  std::string(describe(found.reason)));
  }
  return out;
}

TEST_CASE("FIFOs, sockets and devices are never listed", "[collect][walk]") {
  test::TempDir tmp;
  tmp.write("src/plain", "p");
  REQUIRE(::mkfifo((tmp / "src/fifo").c_str(), 0600) == 0);
  const int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const auto socket_path = (tmp / "src/sock").string();
  REQUIRE(socket_path.size() < sizeof address.sun_path);
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  REQUIRE(::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  ::close(sock);
  make_link("fifo", tmp / "src/link-to-fifo");
  // Only root may make a device node; elsewhere the FIFO and socket stand in.
  const bool device = ::mknod((tmp / "src/null").c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0;
  INFO("device node made: " << device);
  CHECK(walk(tmp, {}, WalkOptions{1, true, 0}) == Strings{"src/", "src/plain"});

  const auto result =
      Walker(ExclusionMatcher{}).list_dir((tmp / "src").string(), WalkOptions{1, true, 0});
  Strings expected = {"fifo: FIFO", "link-to-fifo: symbolic link to a FIFO"};
  if (device) {
    expected.emplace_back("null: device");
  }
  expected.emplace_back("sock: socket");
  CHECK(left_out_of(result, tmp / "src") == expected);
}

TEST_CASE("What cannot be archived is left out and reported with the reason, path by path",
          "[collect][walk][left-out]") {
  test::TempDir tmp;
  tmp.write("src/plain", "p");
  make_link("nowhere", tmp / "src/dangling");
  make_link("plain/below", tmp / "src/through-a-file");
  make_link("self", tmp / "src/self");
  make_link("loop-b", tmp / "src/loop-a");
  make_link("loop-a", tmp / "src/loop-b");
  make_dir(tmp / "src/sub");
  REQUIRE(::mkfifo((tmp / "src/sub/fifo").c_str(), 0600) == 0);
  make_link("sub/fifo", tmp / "src/to-fifo");
  const bool device = ::mknod((tmp / "src/null").c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0;
  if (device) {
    make_link("null", tmp / "src/to-null");
  }
  Strings expected = {"dangling: dangling symbolic link", "loop-a: symbolic link loop",
                      "loop-b: symbolic link loop"};
  if (device) {
    expected.emplace_back("null: device");
  }
  expected.insert(expected.end(),
                  {"self: symbolic link loop", "sub/fifo: FIFO",
                   "through-a-file: dangling symbolic link", "to-fifo: symbolic link to a FIFO"});
  if (device) {
    expected.emplace_back("to-null: symbolic link to a device");
  }
  INFO("device node made (root only): " << device);

  for (const int depth : {0, 1}) {
    const auto result =
        Walker(ExclusionMatcher{}).list_dir((tmp / "src").string(), WalkOptions{depth, false, 0});
    CHECK(shown(result.units.at(0).entries, tmp.path()) ==
          Strings{"src/", "src/plain", "src/sub/"});
    CHECK(result.problems.empty());
    CHECK(left_out_of(result, tmp / "src") == expected);
  }
  SECTION("an excluded path is not reported") {
    ExclusionRules rules;
    rules.abs_paths = {(tmp / "src/dangling").string()};
    rules.basename_patterns = {"fifo", "loop-.*"};
    const auto result =
        Walker(ExclusionMatcher(rules)).list_dir((tmp / "src").string(), WalkOptions{});
    const auto left_out = left_out_of(result, tmp / "src");
    CHECK(std::none_of(left_out.begin(), left_out.end(), [](const std::string& line) {
      return line.starts_with("dangling:") || line.starts_with("sub/fifo:") ||
             line.starts_with("loop-");
    }));
    CHECK(std::count(left_out.begin(), left_out.end(), "self: symbolic link loop") == 1);
  }
}

TEST_CASE("A path left out and reached twice through dereferenced links is reported once",
          "[collect][walk][left-out][links]") {
  test::TempDir tmp;
  make_dir(tmp / "src/real");
  REQUIRE(::mkfifo((tmp / "src/real/fifo").c_str(), 0600) == 0);
  make_link("real", tmp / "src/again");
  const auto result =
      Walker(ExclusionMatcher{}).list_dir((tmp / "src").string(), WalkOptions{1, true, 0});
  CHECK(shown(result.units.at(0).entries, tmp.path()) ==
        Strings{"src/", "src/real/", "src/again@"});
  CHECK(left_out_of(result, tmp / "src") == Strings{"real/fifo: FIFO"});
}

TEST_CASE("A left-out path becomes a manifest problem, and a tally sums them up by reason",
          "[collect][walk][left-out]") {
  const LeftOut fifo{"/srv/pipe", LeftOutReason::fifo};
  CHECK(fifo.as_problem() == Problem{"/srv/pipe", "not archived: FIFO"});
  CHECK(LeftOut{"/l", LeftOutReason::dangling_link}.as_problem().message ==
        "not archived: dangling symbolic link");
  LeftOutTally tally;
  CHECK(tally.total() == 0);
  CHECK(tally.summary().empty());
  tally.add(LeftOutReason::fifo);
  tally.add(LeftOutReason::device);
  tally.add(LeftOutReason::dangling_link);
  tally.add(LeftOutReason::fifo);
  CHECK(tally.total() == 4);
  CHECK(tally.summary() == "1 dangling symbolic link, 2 FIFOs, 1 device");
  for (std::size_t i = 0; i < k_left_out_reasons; ++i) {
    CHECK_FALSE(describe(static_cast<LeftOutReason>(i)).empty());
  }
}

TEST_CASE("Names with spaces, newlines, backslashes and invalid UTF-8 are listed as bytes",
          "[collect][walk]") {
  test::TempDir tmp;
  const Strings names = {"a b", "back\\slash", "bad\xff\xfename", "caf\xc3\xa9", "new\nline"};
  for (const auto& name : names) {
    tmp.write("src/" + name, name);
  }
  Strings expected = {"src/"};
  for (const auto& name : names) {
    expected.push_back("src/" + name);
  }
  CHECK(walk(tmp, {}) == expected);
}

TEST_CASE("Hard-linked files are marked as hard-link candidates", "[collect][walk]") {
  test::TempDir tmp;
  tmp.write("src/one", "x");
  tmp.write("src/single", "y");
  REQUIRE(::link((tmp / "src/one").c_str(), (tmp / "src/two").c_str()) == 0);
  const auto result = Walker(ExclusionMatcher{}).list_dir((tmp / "src").string(), {});
  const auto& entries = result.units.at(0).entries;
  REQUIRE(entries.size() == 4);
  CHECK_FALSE(entries[0].hardlink_candidate()); // the directory
  CHECK(entries[1].hardlink_candidate());
  CHECK_FALSE(entries[2].hardlink_candidate());
  CHECK(entries[3].hardlink_candidate());
  CHECK(entries[1].stat.ino == entries[3].stat.ino);
  CHECK(entries[1].stat.dev == entries[3].stat.dev);
}

/// r/{top.txt, lnk -> a, a/{a.txt, aa/aa.txt}, b/b.txt, c/.cbignore, c/cc/cc.txt}
void make_recursion_tree(const test::TempDir& tmp) {
  for (const auto& [name, content] :
       std::vector<std::pair<std::string, std::string>>{{"r/top.txt", "t"},
                                                        {"r/a/a.txt", "a"},
                                                        {"r/a/aa/aa.txt", "aa"},
                                                        {"r/b/b.txt", "b"},
                                                        {"r/c/.cbignore", ""},
                                                        {"r/c/cc/cc.txt", "cc"}}) {
    tmp.write(name, content);
  }
  make_link("a", tmp / "r/lnk");
}

std::vector<std::pair<std::string, Strings>> units(const test::TempDir& tmp, int level,
                                                   const ExclusionRules& rules = {}) {
  auto result =
      Walker(ExclusionMatcher(rules)).list_dir((tmp / "r").string(), WalkOptions{0, false, level});
  CHECK(result.problems.empty());
  std::vector<std::pair<std::string, Strings>> out;
  for (const auto& unit : result.units) {
    out.emplace_back(unit.item_path.substr(tmp.path().string().size() + 1),
                     shown(unit.entries, tmp.path()));
  }
  return out;
}

/// The units of the recursion tree at `level`, .cbignore honoured.
std::vector<std::pair<std::string, Strings>> units_ignoring(const test::TempDir& tmp, int level) {
  ExclusionRules rules;
  rules.ignore_file = ".cbignore";
  return units(tmp, level, rules);
}

TEST_CASE("Recursion level 1 gives each immediate subdirectory its own unit",
          "[collect][walk][recursion]") {
  test::TempDir tmp;
  make_recursion_tree(tmp);
  const auto got = units_ignoring(tmp, 1);
  REQUIRE(got.size() == 3);
  CHECK(got[0] ==
        std::pair<std::string, Strings>{"r/a", {"r/a/", "r/a/a.txt", "r/a/aa/", "r/a/aa/aa.txt"}});
  CHECK(got[1] == std::pair<std::string, Strings>{"r/b", {"r/b/", "r/b/b.txt"}});
  CHECK(got[2] == std::pair<std::string, Strings>{"r", {"r/", "r/lnk@", "r/top.txt"}});
}

TEST_CASE("Recursion level 2 goes one level further", "[collect][walk][recursion]") {
  test::TempDir tmp;
  make_recursion_tree(tmp);
  const auto got = units_ignoring(tmp, 2);
  REQUIRE(got.size() == 4);
  CHECK(got[0] == std::pair<std::string, Strings>{"r/a/aa", {"r/a/aa/", "r/a/aa/aa.txt"}});
  CHECK(got[1] == std::pair<std::string, Strings>{"r/a", {"r/a/", "r/a/a.txt"}});
  CHECK(got[2].first == "r/b");
  CHECK(got[3].first == "r");
}

TEST_CASE("A negative recursion level gives every directory its own unit",
          "[collect][walk][recursion]") {
  test::TempDir tmp;
  make_recursion_tree(tmp);
  SECTION("without an ignore file") {
    Strings items;
    for (const auto& [item, entries] : units(tmp, -1)) {
      items.push_back(item);
    }
    CHECK(items == Strings{"r/a/aa", "r/a", "r/b", "r/c/cc", "r/c", "r"});
  }
  SECTION("a directory holding the ignore file gives no unit below it") {
    Strings items;
    for (const auto& [item, entries] : units_ignoring(tmp, -1)) {
      items.push_back(item);
    }
    CHECK(items == Strings{"r/a/aa", "r/a", "r/b", "r"});
  }
  SECTION("an excluded subdirectory gives no unit and stays out of its parent") {
    ExclusionRules rules;
    rules.abs_paths = {(tmp / "r/b").string()};
    rules.patterns = {".*/c"};
    const auto got = units(tmp, -1, rules);
    REQUIRE(got.size() == 3);
    CHECK(got[2] == std::pair<std::string, Strings>{"r", {"r/", "r/lnk@", "r/top.txt"}});
  }
}

TEST_CASE("A sub-item holding only directories is a unit of its own",
          "[collect][walk][recursion]") {
  test::TempDir tmp;
  tmp.write("r/a/a.txt", "a");
  const auto result =
      Walker(ExclusionMatcher{}).list_dir((tmp / "r").string(), WalkOptions{0, false, 1});
  REQUIRE(result.units.size() == 2);
  CHECK(shown(result.units[1].entries, tmp.path()) == Strings{"r/"});
}

TEST_CASE("An unreadable directory is reported and the rest is still listed",
          "[collect][walk][problems]") {
  test::TempDir tmp;
  tmp.write("src/ok/file", "x");
  tmp.write("src/locked/secret", "s");
  const auto locked = (tmp / "src/locked").string();
  REQUIRE(::chmod(locked.c_str(), 0) == 0);
  REQUIRE(::chmod(tmp.path().c_str(), 0755) == 0);
  // Root reads any directory, so the walk runs in a child as "nobody".
  const auto check = [&]() -> int {
    const auto result = Walker(ExclusionMatcher{}).list_dir((tmp / "src").string(), {});
    const auto listed = shown(result.units.at(0).entries, tmp.path());
    const bool listed_ok = listed == Strings{"src/", "src/ok/", "src/ok/file"};
    const bool reported = result.problems.size() == 1 && result.problems[0].path == locked &&
                          result.problems[0].message.find("Permission denied") != std::string::npos;
    return (listed_ok ? 0 : 1) + (reported ? 0 : 2);
  };
  int outcome = 0;
  if (::geteuid() == 0) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
        ::_exit(10);
      }
      ::_exit(check());
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    outcome = WEXITSTATUS(status);
  } else {
    outcome = check();
  }
  ::chmod(locked.c_str(), 0700);
  INFO("1: wrong listing, 2: wrong problem report, 10: could not become nobody");
  CHECK(outcome == 0);
}

TEST_CASE("A file item is that file, or the link to it", "[collect][walk][file]") {
  test::TempDir tmp;
  tmp.write("f.txt", "f");
  make_link("f.txt", tmp / "link");
  make_link("nowhere", tmp / "broken");
  make_dir(tmp / "d");
  REQUIRE(::mkfifo((tmp / "fifo").c_str(), 0600) == 0);

  const auto file = Walker::list_file((tmp / "f.txt").string());
  CHECK(shown(file.entries, tmp.path()) == Strings{"f.txt"});
  CHECK(file.item_path == (tmp / "f.txt").string());
  CHECK(shown(Walker::list_file((tmp / "link").string()).entries, tmp.path()) == Strings{"link@"});
  for (const auto* bad : {"d", "broken", "fifo", "missing"}) {
    CHECK_THROWS_WITH(Walker::list_file((tmp / bad).string()),
                      Catch::Contains((tmp / bad).string()));
  }
}

TEST_CASE("A missing directory item is an error naming it", "[collect][walk]") {
  test::TempDir tmp;
  tmp.write("file", "x");
  for (const auto* bad : {"missing", "file"}) {
    try {
      (void)Walker(ExclusionMatcher{}).list_dir((tmp / bad).string(), {});
      FAIL("no error");
    } catch (const Error& error) {
      CHECK(error.code() == ExitCode::action);
      CHECK_THAT(error.what(), Catch::Contains((tmp / bad).string()));
    }
  }
}

TEST_CASE("A directory item given through a link or with a trailing slash", "[collect][walk]") {
  test::TempDir tmp;
  tmp.write("real/x", "x");
  make_link("real", tmp / "src");
  CHECK(walk(tmp, {}) == Strings{"src/", "src/x"});
  CHECK(walk(tmp, {}, {}, "real/") == Strings{"real/", "real/x"});
}

TEST_CASE("Link targets resolve against the link's directory, one level", "[collect][links]") {
  CHECK(resolve_link_target("/a/b/link", "target") == "/a/b/target");
  CHECK(resolve_link_target("/a/b/link", "../c/./d/") == "/a/c/d");
  CHECK(resolve_link_target("/a/b/link", "/abs//x/") == "/abs/x");
  CHECK(resolve_link_target("/link", "../../..") == "/");
}

TEST_CASE("A tree of 100 000 files is listed completely", "[collect][walk][big]") {
  test::TempDir tmp;
  constexpr int k_dirs = 100;
  constexpr int k_files = 1000;
  for (int d = 0; d < k_dirs; ++d) {
    const auto dir = tmp / ("src/d" + std::to_string(d));
    make_dir(dir);
    for (int f = 0; f < k_files; ++f) {
      const auto path = dir / ("f" + std::to_string(f));
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      REQUIRE(fd >= 0);
      ::close(fd);
    }
  }
  const auto result = Walker(ExclusionMatcher{}).list_dir((tmp / "src").string(), {});
  const auto& entries = result.units.at(0).entries;
  CHECK(entries.size() == 1 + k_dirs + k_dirs * k_files);
  CHECK(std::count_if(entries.begin(), entries.end(), [](const Entry& e) {
          return e.kind == EntryKind::file;
        }) == k_dirs * k_files);
}

/// Records a walk's callbacks as text: "[unit", paths relative to the
/// base, "]", and "!path" for problems.
class Recorder : public WalkVisitor {
public:
  explicit Recorder(std::filesystem::path base) : m_base(std::move(base)) {}
  void begin_unit(const std::string& item_path) override { events.push_back("[" + rel(item_path)); }
  void entry(Entry item) override {
    events.push_back(rel(item.path));
    entries.push_back(std::move(item));
  }
  void end_unit() override { events.push_back("]"); }
  void problem(Problem found) override { events.push_back("!" + rel(found.path)); }
  void left_out(LeftOut found) override { events.push_back("-" + rel(found.path)); }
  void end_walk() override { events.emplace_back("end"); }

  Strings events;
  std::vector<Entry> entries;

private:
  std::string rel(const std::string& path) const {
    return std::filesystem::path(path).lexically_relative(m_base).string();
  }
  std::filesystem::path m_base;
};

TEST_CASE("The walk order is byte order with the slash first", "[collect][walk][order]") {
  CHECK(path_less("/a/b", "/a/b/x"));
  CHECK(path_less("/a/b/x", "/a/b.txt"));
  CHECK(path_less("/a/b/zzz", "/a/b c"));
  CHECK(path_less("/a/b\x01", "/a/b\xff"));
  CHECK_FALSE(path_less("/a/b", "/a/b"));
  CHECK_FALSE(path_less("/a/b.txt", "/a/b/x"));
  // Long paths: the first difference anywhere in or after an 8-byte word.
  const std::string stem = "/srv/backup/some/long/directory/name";
  CHECK(path_less(stem + "/x", stem + ".x"));
  CHECK(path_less(stem + "/x", stem + "/x/"));
  CHECK_FALSE(path_less(stem + "-/x", stem + "/x"));
  for (std::size_t at = 0; at < stem.size(); ++at) {
    auto lower = stem;
    auto higher = stem;
    lower[at] = '/';
    higher[at] = '\x01';
    CHECK(path_less(lower, higher));
    CHECK_FALSE(path_less(higher, lower));
    higher[at] = '\xff';
    lower[at] = 'A';
    CHECK(path_less(lower, higher));
    CHECK_FALSE(path_less(higher, lower));
    CHECK(path_less(stem.substr(0, at), stem));
  }
}

TEST_CASE("A walk delivers each unit's entries in walk order", "[collect][walk][order]") {
  test::TempDir tmp;
  for (const char* name : {"b", "b.txt", "b c", "b-", "b/x", "b/y/z", "a", "B", "\xffname"}) {
    tmp.write(std::string("src/d/") + name + (std::string(name) == "b" ? "/keep" : ""), name);
  }
  Recorder recorder(tmp / "src");
  Walker(ExclusionMatcher{}).walk_dir((tmp / "src").string(), {}, recorder);
  REQUIRE(recorder.entries.size() > 10);
  CHECK(recorder.events.front() == "[.");
  CHECK(recorder.events.back() == "end");
  for (std::size_t i = 1; i < recorder.entries.size(); ++i) {
    INFO(recorder.entries[i - 1].path << " then " << recorder.entries[i].path);
    CHECK(path_less(recorder.entries[i - 1].path, recorder.entries[i].path));
  }
}

TEST_CASE("Recursion levels deliver one unit after the other, sub-items first",
          "[collect][walk][order][recursion]") {
  test::TempDir tmp;
  tmp.write("r/top", "t");
  tmp.write("r/a/x", "x");
  tmp.write("r/b/y", "y");
  Recorder recorder(tmp / "r");
  Walker(ExclusionMatcher{}).walk_dir((tmp / "r").string(), WalkOptions{0, false, 1}, recorder);
  CHECK(recorder.events ==
        Strings{"[a", "a", "a/x", "]", "[b", "b", "b/y", "]", "[.", ".", "top", "]", "end"});
}

TEST_CASE("A walk streams: entries arrive while the tree is still being read",
          "[collect][walk][order]") {
  // Nothing of the tree is held beyond the directories read ahead (8 per
  // reading thread): a file made after the first entry arrived, in a
  // directory further on than that, is in the same walk.
  test::TempDir tmp;
  tmp.write("src/a/first", "1");
  for (int i = 0; i < 64; ++i) {
    make_dir(tmp / fmt::format("src/m{:02}", i));
  }
  make_dir(tmp / "src/z");
  class LateWriter : public Recorder {
  public:
    explicit LateWriter(const test::TempDir& dir) : Recorder(dir / "src"), m_dir(dir) {}
    void entry(Entry item) override {
      if (entries.empty()) {
        m_dir.write("src/z/late", "made during the walk");
      }
      Recorder::entry(std::move(item));
    }

  private:
    const test::TempDir& m_dir;
  };
  LateWriter recorder(tmp);
  WalkOptions options;
  options.threads = 2;
  Walker(ExclusionMatcher{}).walk_dir((tmp / "src").string(), options, recorder);
  const Strings tail(recorder.events.end() - 4, recorder.events.end());
  CHECK(tail == Strings{"z", "z/late", "]", "end"});
  CHECK(recorder.events.size() == 1 + 3 + 64 + 4);
}

/// A tree with everything the walk decides about: links to files and
/// directories (followed and not), dangling links, ignore files, excluded
/// paths and names, deep and wide directories.
void make_rich_tree(const test::TempDir& tmp) {
  for (int d = 0; d < 12; ++d) {
    const auto dir = fmt::format("src/d{:02}", d);
    for (int f = 0; f < 5; ++f) {
      tmp.write(fmt::format("{}/f{}", dir, f), "x");
      tmp.write(fmt::format("{}/s{}/deep/er/file{}", dir, f, f), "y");
    }
    make_link("../d00", tmp / (dir + "/up"));
    make_link("f0", tmp / (dir + "/to-file"));
    make_link("missing", tmp / (dir + "/dangling"));
  }
  tmp.write("src/d03/.cbignore", "");
  tmp.write("src/d05/s1/.cbignore", "");
  tmp.write("src/d07/skip.tmp/inside", "z");
  make_dir(tmp / "src/d08/empty");
  make_link(tmp.path().string() + "/outside", tmp / "src/d09/out");
  tmp.write("outside/o", "o");
}

TEST_CASE("The listing is the same however many threads read ahead", "[collect][walk][order]") {
  test::TempDir tmp;
  make_rich_tree(tmp);
  ExclusionRules rules;
  rules.ignore_file = ".cbignore";
  rules.basename_patterns = {".*\\.tmp"};
  rules.abs_paths = {(tmp / "src/d10/s2").string()};
  for (const int link_depth : {0, 2}) {
    for (const bool dereference : {false, true}) {
      for (const int level : {0, 1, -1}) {
        WalkOptions options{link_depth, dereference, level, 1};
        const auto one = Walker(ExclusionMatcher(rules)).list_dir((tmp / "src").string(), options);
        for (const unsigned threads : {2U, 7U}) {
          INFO("depth " << link_depth << ", dereference " << dereference << ", level " << level
                        << ", threads " << threads);
          options.threads = threads;
          const auto many =
              Walker(ExclusionMatcher(rules)).list_dir((tmp / "src").string(), options);
          REQUIRE(many.units.size() == one.units.size());
          for (std::size_t u = 0; u < one.units.size(); ++u) {
            CHECK(many.units[u].item_path == one.units[u].item_path);
            CHECK(shown(many.units[u].entries, tmp.path()) ==
                  shown(one.units[u].entries, tmp.path()));
          }
          CHECK(many.left_out == one.left_out);
          CHECK(many.problems.size() == one.problems.size());
        }
      }
    }
  }
}

TEST_CASE("A directory swapped for a link while the walk reads ahead is never followed",
          "[collect][walk][links]") {
  // The directories are read beneath their parent's fd with O_NOFOLLOW, by
  // a thread, a while after their name was lstat'ed as a directory. One
  // swapped for a link meanwhile is read as it was or refused, never read
  // through the link.
  test::TempDir tmp;
  tmp.write("secret/key", "k");
  for (int round = 0; round < 20; ++round) {
    const auto src = tmp / fmt::format("src{}", round);
    for (int d = 0; d < 40; ++d) {
      tmp.write(fmt::format("src{}/d{:02}/f", round, d), "f");
    }
    class Swapper : public Recorder {
    public:
      Swapper(std::filesystem::path base, std::filesystem::path secret)
          : Recorder(std::move(base)), m_secret(std::move(secret)) {}
      void entry(Entry item) override {
        if (entries.empty()) { // the item itself: its children are queued now
          const auto base = std::filesystem::path(item.path);
          for (int d = 0; d < 40; ++d) {
            const auto dir = base / fmt::format("d{:02}", d);
            std::filesystem::remove_all(dir);
            REQUIRE(::symlink(m_secret.c_str(), dir.c_str()) == 0);
          }
        }
        Recorder::entry(std::move(item));
      }

    private:
      std::filesystem::path m_secret;
    };
    Swapper swapper(src, tmp / "secret");
    WalkOptions options;
    options.threads = 3;
    Walker(ExclusionMatcher{}).walk_dir(src.string(), options, swapper);
    for (const auto& entry : swapper.entries) {
      INFO(entry.path);
      CHECK_FALSE(entry.path.ends_with("/key"));
    }
  }
}

} // namespace
} // namespace cback::collect
