// What the backup user can plant in the directories it owns (collect_dir,
// working_dir, staging_dir) before a run as root: a symbolic link at a name
// cback is about to write (NAME.partial, or NAME itself), or in place of a
// staging directory. cback must never write, truncate or chown through it
// (docs/ARCHITECTURE.md, "How cback creates files"). Each victim is a file
// or directory elsewhere in the test's temporary directory.

#include <cback/collect/manifest.hpp>
#include <cback/collect/naming.hpp>
#include <cback/peer/status.hpp>

#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

constexpr const char* k_tuesday = "2026-12-01";

/// Files elsewhere in the temporary directory, each with its own content,
/// that a planted link points at.
struct Victims {
  const TempDir& dir;
  std::vector<fs::path> files;

  /// A new victim file (owned by root) and a link to it at `link`.
  void plant(const fs::path& link) {
    const auto victim = dir.write(fmt::format("victims/{}", files.size()),
                                  fmt::format("victim {} must not change\n", files.size()));
    REQUIRE(::chown(victim.c_str(), 0, 0) == 0);
    fs::create_directories(link.parent_path());
    fs::create_symlink(victim, link);
    files.push_back(victim);
  }

  /// Every victim still has its content and its owner.
  void check_untouched() const {
    for (std::size_t i = 0; i < files.size(); ++i) {
      INFO("victim " << files[i].string());
      CHECK(read_file(files[i]) == fmt::format("victim {} must not change\n", i));
      struct stat info {};
      REQUIRE(::stat(files[i].c_str(), &info) == 0);
      CHECK(info.st_uid == 0);
      CHECK(info.st_gid == 0);
    }
  }
};

/// `path` exists as a regular file (not a link to one).
void check_regular(const fs::path& path) {
  INFO(path.string());
  CHECK(fs::symlink_status(path).type() == fs::file_type::regular);
}

/// The [options] table with the outputs given to nobody:nogroup, so that a
/// chown through a link would show on the victim.
std::string options_for_nobody(const fs::path& work, std::string_view extra = "") {
  return options_table(work, extra, Owner{"nobody", "nogroup"});
}

/// A stage configuration of one local peer, alpha, collected in `peer`.
fs::path write_stage_config(const TempDir& dir, const fs::path& peer) {
  fs::create_directories(dir / "work");
  return dir.write("cback.toml", k_reference_table + options_for_nobody(dir / "work") +
                                     local_stage_table(dir / "staging", "alpha", peer));
}

RunResult run_cback(const TempDir& dir, const fs::path& config, const std::string& action,
                    const std::string& day) {
  RunOptions options;
  options.env = {"CBACK_TODAY=" + day, "CBACK_IO=posix"};
  return run(cback_command(config, dir / "cback.log", {action}), options);
}

} // namespace

TEST_CASE("Links planted at collect's .partial and final names leave their targets untouched",
          "[collect][planted]") {
  TempDir dir;
  Victims victims{dir, {}};
  const auto src = dir / "src";
  dir.write("src/a.txt", "a");
  dir.write("src/sub/b.txt", "b");
  const auto collect = dir / "collect";
  const auto work = dir / "work";
  fs::create_directories(collect);
  fs::create_directories(work);
  const auto config =
      dir.write("cback.toml", k_reference_table + options_for_nobody(work) +
                                  collect_table(collect, dir_item(src, "incr", "tar")));
  const auto archive =
      collect / cback::collect::archive_file_name(src.string(), cback::config::ArchiveMode::tar);
  const auto state = work / cback::collect::state_file_name(src.string());
  const auto manifest = collect / cback::collect::k_manifest_file_name;
  // The next state is written as STATE.next (renamed over STATE when the
  // run completes), so its partial name is STATE.next.partial.
  const fs::path pending_state = state.string() + ".next";
  for (const auto& name : {collect / "cback.collect", manifest, archive, pending_state}) {
    victims.plant(fs::path(name.string() + ".partial"));
  }
  // At the final names: a rename replaces the link, and nothing done after
  // it (the chown) may follow one.
  victims.plant(collect / "cback.collect");
  victims.plant(manifest);
  victims.plant(state);

  const auto result = run_cback(dir, config, "collect", "2026-11-30");
  INFO(result.out << result.err << read_file(dir / "cback.log"));
  REQUIRE(result.exit_code == 0);

  victims.check_untouched();
  for (const auto& name : {collect / "cback.collect", manifest, archive, state}) {
    check_regular(name);
    CHECK_FALSE(fs::exists(fs::symlink_status(name.string() + ".partial")));
  }
  CHECK_FALSE(fs::exists(fs::symlink_status(pending_state)));
  CHECK_FALSE(fs::exists(fs::symlink_status(pending_state.string() + ".partial")));
  const auto listed = run({"/usr/bin/tar", "-tf", archive.string()});
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.out, Catch::Contains("a.txt"));
  REQUIRE(cback::collect::load_manifest(manifest));
}

TEST_CASE("Links planted at stage's .partial names in the daily dir leave their targets untouched",
          "[stage][planted]") {
  TempDir dir;
  Victims victims{dir, {}};
  const auto peer = dir / "peers/alpha";
  dir.write("peers/alpha/etc.tar", "archive");
  dir.write("peers/alpha/cback.collect", "");
  const auto daily = dir / "staging/2026/12/01";
  fs::create_directories(daily);
  victims.plant(daily / "cback.peers.partial");
  victims.plant(daily / "cback.stage.partial");
  victims.plant(daily / "cback.peers");
  const auto config = write_stage_config(dir, peer);

  const auto result = run_cback(dir, config, "stage", k_tuesday);
  INFO(result.out << result.err << read_file(dir / "cback.log"));
  REQUIRE(result.exit_code == 0);

  victims.check_untouched();
  check_regular(daily / "cback.peers");
  check_regular(daily / "cback.stage");
  CHECK(read_file(daily / "alpha/etc.tar") == "archive");
  REQUIRE(cback::peer::load_status(daily / "cback.peers"));
}

TEST_CASE("A link in place of a staging directory fails the stage and nothing is written there",
          "[stage][planted]") {
  // The year, month or day directory of the daily dir is a link to a
  // directory elsewhere (think /etc); so is a peer's directory.
  const auto planted =
      GENERATE(as<std::string>{}, "2026", "2026/12", "2026/12/01", "2026/12/01/alpha");
  TempDir dir;
  dir.write("peers/alpha/etc.tar", "archive");
  dir.write("peers/alpha/cback.collect", "");
  const auto elsewhere = dir / "elsewhere";
  fs::create_directories(elsewhere);
  const auto link = dir / "staging" / planted;
  fs::create_directories(link.parent_path());
  fs::create_directory_symlink(elsewhere, link);
  const auto config = write_stage_config(dir, dir / "peers/alpha");

  const auto result = run_cback(dir, config, "stage", k_tuesday);
  INFO(planted << "\n" << result.out << result.err);
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err,
             Catch::Contains(link.string()) && Catch::Contains("symbolic link"));
  CHECK(fs::is_empty(elsewhere));
  struct stat info {};
  REQUIRE(::stat(elsewhere.c_str(), &info) == 0);
  CHECK(info.st_uid == 0);
}

TEST_CASE("Links planted at an extension's dump .partial and final names leave their targets "
          "untouched",
          "[extension][sysinfo][planted]") {
  TempDir dir;
  Victims victims{dir, {}};
  const auto collect = dir / "collect";
  fs::create_directories(collect);
  fs::create_directories(dir / "work");
  // `ls -laR /` replaced by echo (only where its output goes is under test).
  const auto config =
      dir.write("cback.toml", extensions_table("sysinfo", 95) + options_for_nobody(dir / "work") +
                                  "[[options.override]]\ncommand = \"ls\"\n"
                                  "abs_path = \"/bin/echo\"\n\n" +
                                  daily_collect_table(collect));
  const auto listing = collect / "ls-laR.txt.bz2";
  victims.plant(fs::path(listing.string() + ".partial"));
  victims.plant(listing);

  const auto result = run_cback(dir, config, "sysinfo", k_tuesday);
  INFO(result.out << result.err << read_file(dir / "cback.log"));
  REQUIRE(result.exit_code == 0);

  victims.check_untouched();
  check_regular(listing);
  const auto unpacked = run({"/usr/bin/bzip2", "-dc", listing.string()});
  CHECK(unpacked.out == "-laR /\n");
}

TEST_CASE("A link planted at cback-config's OUT.partial leaves its target untouched",
          "[cli][config][planted]") {
  TempDir dir;
  Victims victims{dir, {}};
  const auto out = dir / "out/cback.toml";
  victims.plant(fs::path(out.string() + ".partial"));
  const auto result =
      run({cback_config_binary(), "convert", std::string(CBACK_SOURCE_DIR) + "/config/cback.toml",
           "-o", out.string()});
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  victims.check_untouched();
  check_regular(out);
  CHECK_THAT(read_file(out), Catch::Contains("[options]"));
}

} // namespace cback::test
