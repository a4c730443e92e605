// The collect action on trees that cannot be archived as they are: paths
// left out (dangling and looping symlinks, FIFOs, device nodes) are named
// in the manifest and the log, and a path that changed kind between days
// restores with the recipe of docs/manifest.md and real GNU tar.

#include <cback/collect/manifest.hpp>

#include "support/collect_pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

/// The lines of the log that hold `text`.
std::vector<std::string> log_lines_with(const fs::path& log, const std::string& text) {
  std::vector<std::string> found;
  std::istringstream in(read_file(log));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(text) != std::string::npos) {
      found.push_back(line);
    }
  }
  return found;
}

} // namespace

TEST_CASE("Paths that cannot be archived are left out and each is named in the manifest",
          "[integration][collect][left-out]") {
  CollectPool pool;
  const auto src = pool.configure_src("daily", "tar");
  pool.dir.write("src/plain", "plain");
  fs::create_symlink("nowhere", src / "dangling");
  fs::create_symlink("self", src / "self");
  REQUIRE(::mkfifo((src / "fifo").c_str(), 0600) == 0);
  // Only root may make a device node.
  const bool device = ::mknod((src / "null").c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0;
  INFO("device node made (root only): " << device);

  const auto result = pool.collect(k_monday);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(pool.collected());
  const auto prefix = src.relative_path().string();
  CHECK(tar_list(pool.archive(src, cback::config::ArchiveMode::tar)) ==
        std::vector<std::string>{prefix, prefix + "/plain"});

  const auto manifest = cback::collect::load_manifest(pool.dir / "collect/cback.manifest");
  REQUIRE(manifest.has_value());
  std::map<std::string, std::string> problems;
  for (const auto& problem : manifest->problems) {
    problems[problem.path] = problem.message;
  }
  std::map<std::string, std::string> expected = {
      {(src / "dangling").string(), "not archived: dangling symbolic link"},
      {(src / "fifo").string(), "not archived: FIFO"},
      {(src / "self").string(), "not archived: symbolic link loop"},
  };
  if (device) {
    expected[(src / "null").string()] = "not archived: device";
  }
  CHECK(problems == expected);
  CHECK(manifest->problems.size() == expected.size());

  const auto summary = log_lines_with(pool.dir / "cback.log", "Left out ");
  REQUIRE(summary.size() == 1);
  CHECK_THAT(summary[0], Catch::Contains("[INFO   ]"));
  CHECK_THAT(summary[0],
             Catch::EndsWith(fmt::format(
                 "Left out {} paths of [{}] that cannot be archived (1 dangling symbolic link, "
                 "1 symbolic link loop, 1 FIFO{}).",
                 expected.size(), src.string(), device ? ", 1 device" : "")));
}

namespace {

/// Runs GNU tar to extract `archive` into `into`; its exit status and errors.
cback::test::RunResult extract(const fs::path& archive, const fs::path& into,
                               const std::vector<std::string>& options = {}) {
  std::vector<std::string> argv{"/usr/bin/tar"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), {"-xf", archive.string(), "-C", into.string()});
  return run(argv);
}

/// Restores `item` as docs/manifest.md says, from a full archive and one
/// day's incremental with its manifest: extract the full archive, delete
/// the day's deleted paths, extract the day's archive (with `options`).
cback::test::RunResult restore(const fs::path& full, const fs::path& incremental,
                               const cback::collect::Manifest& manifest, const fs::path& item,
                               const fs::path& into, const std::vector<std::string>& options = {}) {
  fs::create_directories(into);
  const auto first = extract(full, into);
  REQUIRE(first.exit_code == 0);
  for (const auto& deletion : manifest.deleted) {
    REQUIRE(deletion.item == item.string());
    fs::remove_all(into / fs::path(deletion.path).relative_path());
  }
  return extract(incremental, into, options);
}

} // namespace

TEST_CASE("A path that changed kind between days is deleted, then restored as its new kind",
          "[integration][collect][incr][restore]") {
  CollectPool pool;
  const auto src = pool.configure_src("incr", "tar");
  pool.dir.write("src/D/one", "one");
  pool.dir.write("src/D/sub/two", "two");
  pool.dir.write("src/F", "a file on Monday");
  pool.dir.write("src/S", "a file that becomes a link");
  pool.dir.write("src/kept", "kept");
  const auto archive = pool.archive(src, cback::config::ArchiveMode::tar);
  const auto monday = pool.collect(k_monday);
  INFO(monday.out << monday.err);
  REQUIRE(monday.exit_code == 0);
  const auto full = pool.dir / "monday.tar";
  fs::copy_file(archive, full);

  // Tuesday: the directory D is a file, the file F a directory with a file,
  // the file S a symlink.
  fs::remove_all(src / "D");
  pool.dir.write("src/D", "a file on Tuesday");
  fs::remove(src / "F");
  pool.dir.write("src/F/inside", "inside");
  fs::remove(src / "S");
  fs::create_symlink("kept", src / "S");
  const auto tuesday = pool.collect(k_tuesday);
  INFO(tuesday.out << tuesday.err);
  REQUIRE(tuesday.exit_code == 0);
  const auto incremental = pool.dir / "tuesday.tar";
  fs::copy_file(archive, incremental);
  const auto prefix = src.relative_path().string();
  CHECK(tar_list(incremental) == std::vector<std::string>{prefix, prefix + "/D", prefix + "/F",
                                                          prefix + "/F/inside", prefix + "/S"});

  const auto manifest = cback::collect::load_manifest(pool.dir / "collect/cback.manifest");
  REQUIRE(manifest.has_value());
  std::vector<std::string> deleted;
  for (const auto& deletion : manifest->deleted) {
    deleted.push_back(fs::path(deletion.path).lexically_relative(src).string());
  }
  CHECK(deleted == std::vector<std::string>{"D", "D/one", "D/sub", "D/sub/two", "F", "S"});

  SECTION("the documented recipe gives Tuesday's tree") {
    const auto restored = restore(full, incremental, *manifest, src, pool.dir / "restored");
    INFO(restored.err);
    CHECK(restored.exit_code == 0);
    CHECK(restored.err.find("File exists") == std::string::npos);
    CHECK(tree_of(pool.dir / "restored" / prefix) == tree_of(src));
  }
  SECTION("nothing of Monday is left in the way of Tuesday's files, even for a tar that "
          "replaces nothing") {
    const auto restored =
        restore(full, incremental, *manifest, src, pool.dir / "restored", {"--keep-old-files"});
    INFO(restored.err);
    CHECK(restored.exit_code == 0);
    CHECK(tree_of(pool.dir / "restored" / prefix) == tree_of(src));
  }
}

} // namespace cback::test
