#include <cback/actions/collect.hpp>
#include <cback/collect/content_index.hpp>
#include <cback/collect/manifest.hpp>
#include <cback/collect/naming.hpp>
#include <cback/context.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/digest.hpp>
#include <cback/core/error.hpp>

#include "support/parts.hpp"
#include "support/run_fixture.hpp"
#include "support/scoped_env.hpp"
#include "support/tar_members.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace cback::actions {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;

// The simulated days (CBACK_TODAY). 2026-11-30 is a Monday, the configured
// starting day.
constexpr const char* k_monday = "2026-11-30";
constexpr const char* k_tuesday = "2026-12-01";
constexpr const char* k_wednesday = "2026-12-02";
constexpr const char* k_thursday = "2026-12-03";
constexpr const char* k_last_thursday = "2026-11-26";

/// Runs the collect action on a tree in its temp dir and reads back what
/// it wrote: the archives (plain tar) in tmp/collect, the manifest, the
/// states in tmp/work.
struct Fixture : test::RunFixture {
  Fixture() {
    fs::create_directories(tmp / "collect");
    fs::create_directories(tmp / "work");
    config::Options opts;
    opts.starting_day = config::Weekday::monday;
    opts.working_dir = (tmp / "work").string();
    opts.backup_user = "root";
    opts.backup_group = "root";
    config.options = opts;
    config::Collect collect;
    collect.collect_dir = (tmp / "collect").string();
    collect.archive_mode = config::ArchiveMode::tar;
    collect.ignore_file = ".cbignore";
    config.collect = collect;
  }

  fs::path src(const std::string& relative) const { return tmp / "src" / relative; }

  void add_dir(const std::string& relative, config::CollectMode mode) {
    fs::create_directories(src(relative));
    config::CollectDir dir;
    dir.abs_path = src(relative).string();
    dir.collect_mode = mode;
    config.collect->dirs.push_back(dir);
  }
  void add_file(const std::string& path, config::CollectMode mode) {
    config::CollectFile file;
    file.abs_path = path;
    file.collect_mode = mode;
    config.collect->files.push_back(file);
  }

  std::string archive(const std::string& relative) const {
    return collect::archive_file_name(src(relative).string(), config::ArchiveMode::tar);
  }

  /// Runs collect on `day` (CBACK_TODAY). The archives of earlier runs are
  /// taken away first: the archives in the collect dir afterwards are the
  /// ones this run wrote.
  void collect_on(const char* day) {
    // Yesterday's archives are gone (staged and purged), with their indexes.
    for (const auto& name : archives()) {
      fs::remove(collect_dir() / name);
      fs::remove(collect_dir() / (name + std::string(collect::k_content_index_suffix)));
    }
    const test::ScopedEnv simulated("CBACK_TODAY", day);
    run_collect(context);
  }

  fs::path collect_dir() const { return tmp / "collect"; }

  /// The files in the collect dir besides the manifest, cback.collect and
  /// the content indexes (the archives, and any .partial left behind),
  /// sorted.
  Strings archives() const {
    Strings names;
    for (const auto& found : fs::directory_iterator(collect_dir())) {
      const auto name = found.path().filename().string();
      if (name.ends_with(collect::k_content_index_suffix)) {
        // Every content index has its archive beside it.
        const auto archive = name.substr(0, name.size() - collect::k_content_index_suffix.size());
        CHECK(fs::exists(collect_dir() / archive));
      } else if (found.is_regular_file() && name != collect::k_manifest_file_name &&
                 name != indicator().filename()) {
        // ... and every finished archive its index.
        CHECK((name.ends_with(".partial") ||
               fs::exists(collect_dir() / (name + std::string(collect::k_content_index_suffix)))));
        names.push_back(name);
      }
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  /// The paths stored in the archive `name`, relative to `base`, in the
  /// order stored; none when there is no such archive.
  Strings entries_of(const std::string& name, const fs::path& base) const {
    const auto archive = collect_dir() / name;
    if (!fs::exists(archive)) {
      return {};
    }
    Strings paths;
    for (const auto& member : test::tar_members(archive)) {
      const auto stored =
          fs::path("/" + member.name.substr(0, member.name.find_last_not_of('/') + 1));
      paths.push_back(stored.lexically_relative(base).string());
    }
    return paths;
  }

  /// Makes every write of the archive `name` fail as a real one can: a
  /// directory stands where the finished archive is renamed to (in place of
  /// that archive from an earlier run).
  void block(const std::string& name) const {
    fs::remove(collect_dir() / name);
    fs::create_directory(collect_dir() / name);
  }
  void unblock(const std::string& name) const { fs::remove(collect_dir() / name); }

  fs::path indicator() const { return tmp / "collect/cback.collect"; }
  fs::path state(const std::string& relative) const {
    return tmp / "work" / collect::state_file_name(src(relative).string());
  }
  /// The next state a run writes beside the current one until it completes.
  fs::path pending(const std::string& relative) const { return state(relative).string() + ".next"; }

  /// Runs collect on `day` and expects it to fail with status 6.
  void failing_collect_on(const char* day) {
    try {
      collect_on(day);
      FAIL("collect should fail");
    } catch (const Error& error) {
      CHECK(error.code() == ExitCode::action);
    }
  }
};

collect::Manifest manifest_in(const Fixture& f) {
  auto manifest = collect::load_manifest(f.tmp / "collect/cback.manifest");
  REQUIRE(manifest.has_value());
  return *manifest;
}

TEST_CASE("Daily items are collected every day, weekly ones on the starting day or with --full",
          "[actions][collect]") {
  Fixture f;
  f.add_dir("daily", config::CollectMode::daily);
  f.add_dir("weekly", config::CollectMode::weekly);
  f.tmp.write("src/daily/a", "a");
  f.tmp.write("src/weekly/b", "b");

  f.collect_on(k_tuesday);
  CHECK(f.archives() == Strings{f.archive("daily")});

  f.collect_on(k_monday);
  CHECK(f.archives() == Strings{f.archive("daily"), f.archive("weekly")});

  f.flags.full = core::Full::yes;
  f.collect_on(k_wednesday);
  CHECK(f.archives() == Strings{f.archive("daily"), f.archive("weekly")});
  CHECK(fs::exists(f.indicator()));
}

TEST_CASE("A unit holding only directories gets no archive, as in the original",
          "[actions][collect]") {
  Fixture f;
  f.add_dir("r", config::CollectMode::daily);
  f.config.collect->dirs.back().recursion_level = 1;
  f.tmp.write("src/r/a/a.txt", "a");

  f.collect_on(k_tuesday);
  // The sub-item r/a has a file; r itself only the directory r/a.
  CHECK(f.archives() == Strings{f.archive("r/a")});
}

TEST_CASE("An incremental item archives what changed since the last collect",
          "[actions][collect][incr]") {
  Fixture f;
  f.add_dir("tree", config::CollectMode::incr);
  f.tmp.write("src/tree/a", "a");
  f.tmp.write("src/tree/sub/b", "b");
  const auto base = f.src("");

  f.collect_on(k_monday);
  CHECK(f.entries_of(f.archive("tree"), base) ==
        Strings{"tree", "tree/a", "tree/sub", "tree/sub/b"});

  f.tmp.write("src/tree/sub/b", "b changed");
  f.collect_on(k_tuesday);
  CHECK(f.entries_of(f.archive("tree"), base) == Strings{"tree", "tree/sub", "tree/sub/b"});
  CHECK(manifest_in(f).archives.size() == 1);

  SECTION("an empty change set writes no archive and keeps the state as it was") {
    const std::string before = cback::test::read_file(f.state("tree"));
    struct stat original {};
    REQUIRE(::stat(f.state("tree").c_str(), &original) == 0);
    f.collect_on(k_wednesday);
    CHECK(f.archives().empty());
    CHECK(manifest_in(f).archives.empty());
    // Identical state is not rewritten: the same file (inode) holds it.
    struct stat after {};
    REQUIRE(::stat(f.state("tree").c_str(), &after) == 0);
    CHECK(after.st_ino == original.st_ino);
    CHECK(cback::test::read_file(f.state("tree")) == before);
    CHECK(fs::exists(f.indicator()));
  }
  SECTION("--full archives everything again") {
    f.flags.full = core::Full::yes;
    f.collect_on(k_wednesday);
    CHECK(f.entries_of(f.archive("tree"), base).size() == 4);
  }
}

TEST_CASE("The manifest lists the paths an incremental item lost since the last collect",
          "[actions][collect][incr]") {
  Fixture f;
  f.add_dir("tree", config::CollectMode::incr);
  f.add_dir("full", config::CollectMode::daily);
  f.tmp.write("src/tree/a", "a");
  f.tmp.write("src/tree/gone", "g");
  f.tmp.write("src/tree/old/c", "c");
  f.tmp.write("src/full/x", "x");
  f.collect_on(k_monday);
  CHECK(manifest_in(f).deleted.empty());

  fs::remove(f.src("tree/gone"));
  fs::remove_all(f.src("tree/old"));
  fs::remove(f.src("full/x"));
  f.collect_on(k_tuesday);
  const auto item = f.src("tree").string();
  CHECK(manifest_in(f).deleted ==
        std::vector<collect::ManifestDeletion>{{item, f.src("tree/gone").string()},
                                               {item, f.src("tree/old").string()},
                                               {item, f.src("tree/old/c").string()}});

  f.collect_on(k_wednesday);
  CHECK(manifest_in(f).deleted.empty());
}

TEST_CASE("A failed archive leaves the incremental state where it was",
          "[actions][collect][incr]") {
  Fixture f;
  f.add_dir("tree", config::CollectMode::incr);
  f.tmp.write("src/tree/a", "a");
  f.collect_on(k_monday);
  const auto saved = test::read_file(f.state("tree"));

  f.tmp.write("src/tree/a", "a changed");
  f.block(f.archive("tree"));
  try {
    f.collect_on(k_tuesday);
    FAIL("collect should fail");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::action);
  }
  CHECK(test::read_file(f.state("tree")) == saved);
  CHECK_FALSE(fs::exists(f.pending("tree")));
  CHECK_FALSE(fs::exists(f.indicator()));
}

TEST_CASE("A failed item leaves every incremental state as it was, so the next run archives "
          "the change again",
          "[actions][collect][incr]") {
  Fixture f;
  f.add_dir("tree", config::CollectMode::incr);
  f.add_dir("bad", config::CollectMode::daily);
  f.tmp.write("src/tree/a", "a");
  f.tmp.write("src/tree/b", "b");
  f.tmp.write("src/bad/x", "x");
  f.collect_on(k_monday);
  const auto saved = test::read_file(f.state("tree"));

  f.tmp.write("src/tree/a", "a changed on Tuesday");
  f.block(f.archive("bad"));
  f.failing_collect_on(k_tuesday);
  // The item itself succeeded and its archive was committed, but the run
  // wrote no cback.collect: that archive is never staged.
  CHECK(f.entries_of(f.archive("tree"), f.src("")) == Strings{"tree", "tree/a"});
  CHECK_FALSE(fs::exists(f.indicator()));
  CHECK(test::read_file(f.state("tree")) == saved);
  CHECK_FALSE(fs::exists(f.pending("tree")));

  f.unblock(f.archive("bad"));
  f.collect_on(k_wednesday);
  CHECK(fs::exists(f.indicator()));
  CHECK(f.entries_of(f.archive("tree"), f.src("")) == Strings{"tree", "tree/a"});
  CHECK(test::read_file(f.state("tree")) != saved);
  CHECK_FALSE(fs::exists(f.pending("tree")));

  // That run completed: its state is current, Thursday has nothing new.
  f.collect_on(k_thursday);
  CHECK(f.entries_of(f.archive("tree"), f.src("")).empty());
}

TEST_CASE("A failed run lists an incremental item's deletions again in the next manifest",
          "[actions][collect][incr]") {
  Fixture f;
  f.add_dir("tree", config::CollectMode::incr);
  f.add_dir("bad", config::CollectMode::daily);
  f.tmp.write("src/tree/a", "a");
  f.tmp.write("src/tree/gone", "g");
  f.tmp.write("src/bad/x", "x");
  f.collect_on(k_monday);

  fs::remove(f.src("tree/gone"));
  f.block(f.archive("bad"));
  f.failing_collect_on(k_tuesday);

  f.unblock(f.archive("bad"));
  f.collect_on(k_wednesday);
  CHECK(manifest_in(f).deleted == std::vector<collect::ManifestDeletion>{
                                      {f.src("tree").string(), f.src("tree/gone").string()}});
}

TEST_CASE("A failed full run on the starting day leaves last week's state for the next day",
          "[actions][collect][incr]") {
  // A cumulative item keeps its state through the week: last Thursday's
  // then stays until a starting day's run completes.
  const bool cumulative = GENERATE(false, true);
  Fixture f;
  f.config.collect->cumulative = cumulative;
  f.add_dir("tree", config::CollectMode::incr);
  f.add_dir("bad", config::CollectMode::daily);
  f.tmp.write("src/tree/a", "a");
  f.tmp.write("src/tree/b", "b");
  f.tmp.write("src/bad/x", "x");
  f.collect_on(k_last_thursday);
  const auto last_week = test::read_file(f.state("tree"));

  f.tmp.write("src/tree/a", "a changed over the weekend");
  f.block(f.archive("bad"));
  f.failing_collect_on(k_monday);
  CHECK(f.entries_of(f.archive("tree"), f.src("")).size() == 3); // the full, never staged
  CHECK(test::read_file(f.state("tree")) == last_week);

  // Tuesday is no starting day: its incremental holds every change since
  // the last collect that completed, last Thursday's.
  f.unblock(f.archive("bad"));
  f.collect_on(k_tuesday);
  CHECK(f.entries_of(f.archive("tree"), f.src("")) == Strings{"tree", "tree/a"});
}

TEST_CASE("A pending state left by a killed run is removed, never promoted",
          "[actions][collect][incr]") {
  Fixture f;
  f.add_dir("tree", config::CollectMode::incr);
  f.tmp.write("src/tree/a", "a");
  f.collect_on(k_monday);
  const auto saved = test::read_file(f.state("tree"));
  // What a run killed after writing its next state leaves: that state
  // describes an archive no stage ever took.
  f.tmp.write("src/tree/a", "a changed");
  fs::copy_file(f.state("tree"), f.pending("tree"));
  f.tmp.write("work/" + f.pending("tree").filename().string() + ".partial", "half");

  f.collect_on(k_tuesday);
  CHECK(f.entries_of(f.archive("tree"), f.src("")) == Strings{"tree", "tree/a"});
  CHECK_FALSE(fs::exists(f.pending("tree")));
  CHECK_FALSE(fs::exists(f.pending("tree").string() + ".partial"));
  CHECK(test::read_file(f.state("tree")) != saved);
  CHECK_THAT(test::read_file(f.tmp / "cback.log"),
             Catch::Contains("left by a collect that did not complete"));
}

TEST_CASE("A failed item does not stop the others; the action then fails naming it",
          "[actions][collect]") {
  Fixture f;
  const auto missing = (f.tmp / "no/such/file").string();
  f.add_file(missing, config::CollectMode::daily);
  f.add_dir("good", config::CollectMode::daily);
  f.add_dir("bad", config::CollectMode::daily);
  f.tmp.write("src/good/a", "a");
  f.tmp.write("src/bad/b", "b");
  f.block(f.archive("bad"));

  try {
    f.collect_on(k_tuesday);
    FAIL("collect should fail");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::action);
    const std::string message = error.what();
    CHECK_THAT(message, Catch::StartsWith("Collect failed for 2 item(s):"));
    CHECK_THAT(message, Catch::Contains(missing));
    CHECK_THAT(message, Catch::Contains(f.src("bad").string()));
    CHECK_THAT(message, Catch::Contains(f.archive("bad"))); // the archive that failed
  }
  CHECK(f.archives() == Strings{f.archive("good")});
  CHECK_FALSE(fs::exists(f.indicator()));
  const auto manifest = manifest_in(f);
  REQUIRE(manifest.failed_items.size() == 2);
  CHECK(manifest.failed_items[0].path == missing);
  CHECK(manifest.failed_items[1].path == f.src("bad").string());
  REQUIRE(manifest.archives.size() == 1);
  CHECK(manifest.archives[0].name == f.archive("good"));
}

TEST_CASE("The manifest lists each archive with its size and SHA-256", "[actions][collect]") {
  Fixture f;
  f.add_dir("tree", config::CollectMode::daily);
  f.add_file(f.tmp.write("src/single", "x").string(), config::CollectMode::weekly);
  f.tmp.write("src/tree/a", "a");
  f.collect_on(k_monday);

  const auto manifest = manifest_in(f);
  CHECK(manifest.date == "2026-11-30");
  REQUIRE(manifest.archives.size() == 2);
  CHECK(manifest.archives[0].name == f.archive("single")); // files first
  for (const auto& archive : manifest.archives) {
    const auto content = test::read_file(f.tmp / "collect" / archive.name);
    CHECK(archive.size == content.size());
    CHECK(archive.sha256 == core::sha256(content));
  }
  CHECK(manifest.failed_items.empty());
  CHECK(fs::exists(f.indicator()));
}

TEST_CASE("Per-path problems are listed in the manifest and do not fail the item",
          "[actions][collect]") {
  // A file that nobody may read, not even root: the archive stores the
  // others and reports it.
  const std::string unreadable = "/proc/sys/vm/drop_caches";
  if (!fs::is_regular_file(unreadable)) {
    test::skip("no " + unreadable + " here");
    return;
  }
  Fixture f;
  f.add_file(unreadable, config::CollectMode::daily);
  f.add_dir("tree", config::CollectMode::daily);
  f.tmp.write("src/tree/a", "a");
  f.collect_on(k_monday);
  const auto manifest = manifest_in(f);
  REQUIRE(manifest.problems.size() == 1);
  CHECK(manifest.problems[0].path == unreadable);
  CHECK_THAT(manifest.problems[0].message, Catch::Contains("Permission denied"));
  CHECK(manifest.archives.size() == 2);
  CHECK(manifest.failed_items.empty());
  const auto archive = collect::archive_file_name(unreadable, config::ArchiveMode::tar);
  CHECK(fs::is_regular_file(f.collect_dir() / archive)); // written without it
  CHECK(f.entries_of(f.archive("tree"), f.src("")) == Strings{"tree", "tree/a"});
  CHECK(fs::exists(f.indicator()));
  CHECK_THAT(test::read_file(f.tmp / "cback.log"),
             Catch::Contains("[WARNING] Archive [" + archive + "]: [" + unreadable + "]"));
}

TEST_CASE("A cumulative incremental holds every change since the week started",
          "[actions][collect][incr]") {
  Fixture f;
  f.config.collect->cumulative = true;
  f.add_dir("tree", config::CollectMode::incr);
  f.tmp.write("src/tree/a", "a");
  f.tmp.write("src/tree/b", "b");
  const auto base = f.src("");
  f.collect_on(k_monday);

  f.tmp.write("src/tree/a", "a changed");
  f.collect_on(k_tuesday);
  CHECK(f.entries_of(f.archive("tree"), base) == Strings{"tree", "tree/a"});

  f.tmp.write("src/tree/b", "b changed");
  f.collect_on(k_wednesday);
  CHECK(f.entries_of(f.archive("tree"), base) == Strings{"tree", "tree/a", "tree/b"});
}

TEST_CASE("Content change detection ignores a touch that leaves the content as it was",
          "[actions][collect][incr]") {
  Fixture f;
  f.config.collect->change_detection = config::ChangeDetection::content;
  f.add_dir("tree", config::CollectMode::incr);
  const auto a = f.tmp.write("src/tree/a", "same");
  f.tmp.write("src/tree/b", "b");
  f.collect_on(k_monday);

  fs::last_write_time(a, fs::last_write_time(a) + std::chrono::hours(1));
  f.tmp.write("src/tree/b", "b changed");
  f.collect_on(k_tuesday);
  CHECK(f.entries_of(f.archive("tree"), f.src("")) == Strings{"tree", "tree/b"});
}

TEST_CASE("Collect needs the options and collect sections and at least one item",
          "[actions][collect]") {
  Fixture f;
  Context& context = f.context;
  const auto monday = *core::parse_date(k_monday);
  CHECK_THROWS_AS(plan_collect(context, monday), Error); // no items
  f.config.collect.reset();
  try {
    plan_collect(context, monday);
    FAIL("plan_collect should fail");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::action);
    CHECK(std::string(error.what()) == "Collect configuration is not properly filled in.");
  }
}

TEST_CASE("A stop request ends the collect as interrupted without cback.collect",
          "[actions][collect]") {
  Fixture f;
  f.add_dir("tree", config::CollectMode::daily);
  f.tmp.write("src/tree/a", "a");
  f.stop.request();
  try {
    f.collect_on(k_monday);
    FAIL("collect should stop");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::interrupted);
  }
  CHECK(f.archives().empty());
  CHECK_FALSE(fs::exists(f.indicator()));
}

} // namespace
} // namespace cback::actions
