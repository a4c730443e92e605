// A new disc on a stdio: image file through the real binary: the new image
// is written beside the old one and replaces it only once complete, so a
// store killed while writing leaves the previous week's image readable.

#include "support/iso_tools.hpp"
#include "support/parts.hpp"
#include "support/store_pool.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <sys/stat.h>

namespace fs = std::filesystem;
namespace iso = cback::test::iso;

namespace cback::test {

namespace {

/// What identifies one version of a file: a rewrite in place or a rename
/// over it changes one of these.
struct Version {
  bool exists = false;
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const Version&) const = default;
};

Version version_of(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return {};
  }
  return {true, info.st_ino, info.st_size,
          std::int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec};
}

/// Files beside the image whose names start with the image's name (a
/// new image being written, or one left behind).
std::vector<fs::path> files_beside(const fs::path& image) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(image.parent_path())) {
    const std::string name = entry.path().filename().string();
    if (name != image.filename().string() && name.starts_with(image.filename().string())) {
      found.push_back(entry.path());
    }
  }
  return found;
}

/// True once the store has begun writing image data: the image itself
/// changed, or a file beside it holds bytes.
bool writing_began(const fs::path& image, const Version& before) {
  if (version_of(image) != before) {
    return true;
  }
  for (const auto& path : files_beside(image)) {
    std::error_code error;
    if (fs::file_size(path, error) > 0 && !error) {
      return true;
    }
  }
  return false;
}

/// The tree of `date` as extracted from the image's newest session,
/// compared with the staged day (cback.store is written after the session).
std::vector<std::string> differences_from_day(const StorePool& pool, const std::string& date,
                                              const std::string& name) {
  const fs::path out = pool.dir / name;
  REQUIRE(iso::extract(pool.image, out));
  const fs::path expected = pool.dir / (name + "-expected");
  fs::copy(pool.day_dir(date), expected, fs::copy_options::recursive);
  fs::remove(expected / "cback.store");
  return iso::differences(expected,
                          out / date.substr(0, 4) / date.substr(5, 2) / date.substr(8, 2));
}

/// `xorriso -toc` of the image: its exit code and output.
RunResult xorriso_toc(const fs::path& image) {
  return cback::test::run({"/usr/bin/xorriso", "-indev", "stdio:" + image.string(), "-toc"});
}

} // namespace

TEST_CASE("A new-disc store killed while writing leaves the previous week's image intact",
          "[integration][store][image]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  pool.stage_day("2026-11-24", "WEEK-ONE");
  REQUIRE(pool.run({"store"}, "2026-11-24").exit_code == 0);
  const std::string week_one = iso::contents(pool.image);
  REQUIRE(iso::toc(pool.image).size() == 1);

  // Monday starts a new disc. A sparse file of 1 GiB reads as zeros at
  // memory speed but takes seconds to checksum and write, so the kill
  // comes while the image is being written, whatever the machine's speed.
  const fs::path monday = pool.stage_day("2026-11-30", "WEEK-TWO");
  const fs::path big = monday / "peer1/big.tar";
  { std::ofstream(big, std::ios::binary); }
  fs::resize_file(big, std::uintmax_t{1} << 30);
  const Version before = version_of(pool.image);
  RunOptions options;
  options.signal = SIGKILL;
  options.signal_when = [&] { return writing_began(pool.image, before); };
  options.env.push_back("CBACK_TODAY=2026-11-30");
  const RunResult killed =
      cback::test::run(cback_command(pool.config(), pool.dir / "cback.log", {"store"}), options);
  INFO(killed.out << killed.err << pool.log());
  REQUIRE(killed.exit_code == 128 + SIGKILL);
  CHECK(pool.log().find("Writing a new disc") != std::string::npos);

  const RunResult toc = xorriso_toc(pool.image);
  INFO(toc.out << toc.err);
  CHECK(toc.exit_code == 0);
  CHECK((toc.out + toc.err).find("broken") == std::string::npos);
  const auto sessions = iso::toc(pool.image);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].volume_id == "CEDAR BACKUP 24-NOV-2026");
  CHECK(iso::contents(pool.image) == week_one);
  CHECK(differences_from_day(pool, "2026-11-24", "week-one").empty());
  CHECK(fs::exists(pool.day_dir("2026-11-24") / "cback.store"));
  CHECK_FALSE(fs::exists(monday / "cback.store"));

  // The next store of the day replaces the image and leaves nothing beside it.
  fs::remove(big);
  const RunResult stored = pool.run({"store"}, "2026-11-30");
  INFO(stored.out << stored.err << pool.log());
  REQUIRE(stored.exit_code == 0);
  const auto replaced = iso::toc(pool.image);
  REQUIRE(replaced.size() == 1);
  CHECK(replaced[0].volume_id == "CEDAR BACKUP 30-NOV-2026");
  CHECK(differences_from_day(pool, "2026-11-30", "week-two").empty());
  CHECK_FALSE(fs::exists(pool.dir / "week-two/2026/11/24"));
  CHECK(files_beside(pool.image).empty());
  CHECK(fs::exists(monday / "cback.store"));
}

TEST_CASE("A new disc on an image file needs room for both images and is refused before writing",
          "[integration][store][image]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  CBACK_REQUIRE_PART(pool.image_on_tmpfs("4m"));
  pool.stage_day("2026-11-24", "WEEK-ONE", 1'500'000);
  REQUIRE(pool.run({"store"}, "2026-11-24").exit_code == 0);
  const std::string week_one = iso::contents(pool.image);

  // About 3 MB would fit where the old image of 1.6 MB is, but not beside
  // it in the 2.5 MB left: the old image stays until the new one is done.
  pool.stage_day("2026-11-30", "WEEK-TWO", 3'000'000);
  const RunResult result = pool.run({"store"}, "2026-11-30");
  INFO(result.out << result.err << pool.log());
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains("not contain enough capacity") &&
                                          Catch::Contains("disc.iso.partial] has") &&
                                          Catch::Contains("needs room for both"));
  CHECK(iso::contents(pool.image) == week_one);
  CHECK(files_beside(pool.image).empty());
  CHECK_FALSE(fs::exists(pool.day_dir("2026-11-30") / "cback.store"));
}

namespace {

/// The image files in `dir`, by name.
std::vector<std::string> images_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".iso" ||
        entry.path().string().find(".iso.") != std::string::npos) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// Stores each of `dates` (staged first), requiring success.
void store_days(const StorePool& pool, const std::vector<std::string>& dates,
                const std::vector<std::string>& switches = {}) {
  for (const auto& date : dates) {
    pool.stage_day(date, "DAY-" + date);
    std::vector<std::string> arguments = switches;
    arguments.emplace_back("store");
    const RunResult stored = pool.run(arguments, date);
    INFO(date << "\n" << stored.out << stored.err << pool.log());
    REQUIRE(stored.exit_code == 0);
  }
}

} // namespace

TEST_CASE("A {week} image target writes each week to a new file and leaves last week's as it was",
          "[integration][store][image]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  pool.image = pool.dir / "cback-{week}.iso";
  const fs::path week_one = pool.dir / "cback-2026-11-23.iso";
  const fs::path week_two = pool.dir / "cback-2026-11-30.iso";
  store_days(pool, {"2026-11-24", "2026-11-25"});
  REQUIRE(iso::toc(week_one).size() == 2);
  const std::string week_one_bytes = iso::contents(week_one);

  // Monday, the starting day: a new disc, in a new file.
  store_days(pool, {"2026-11-30", "2026-12-01"});
  CHECK(images_in(pool.dir.path()) ==
        std::vector<std::string>{"cback-2026-11-23.iso", "cback-2026-11-30.iso"});
  CHECK(iso::contents(week_one) == week_one_bytes);
  const auto sessions = iso::toc(week_two);
  REQUIRE(sessions.size() == 2);
  CHECK(sessions[0].volume_id == "CEDAR BACKUP 30-NOV-2026");
  CHECK(sessions[1].volume_id == "CEDAR BACKUP 01-DEC-2026");
  CHECK(pool.log().find("Writing a new disc to [stdio:" +
                        (pool.dir / "cback-2026-11-30.iso.partial").string()) != std::string::npos);
}

TEST_CASE("A plain image target keeps last week's image under the week's start date",
          "[integration][store][image]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  store_days(pool, {"2026-11-24", "2026-11-25"});
  const std::string week_one = iso::contents(pool.image);

  store_days(pool, {"2026-11-30"});
  const fs::path kept = pool.dir / "disc-2026-11-23.iso";
  CHECK(images_in(pool.dir.path()) == std::vector<std::string>{"disc-2026-11-23.iso", "disc.iso"});
  CHECK(iso::contents(kept) == week_one);
  CHECK(iso::toc(kept).size() == 2);
  const auto sessions = iso::toc(pool.image);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].volume_id == "CEDAR BACKUP 30-NOV-2026");
  CHECK(pool.log().find("the previous one is kept as [" + kept.string() + "]") !=
        std::string::npos);

  // A second new disc in the same week (--full) keeps this week's first
  // image too, under the next free name; last week's is not touched.
  const std::string week_two = iso::contents(pool.image);
  const RunResult full = pool.run({"--full", "store"}, "2026-11-30");
  INFO(full.out << full.err << pool.log());
  REQUIRE(full.exit_code == 0);
  CHECK(images_in(pool.dir.path()) ==
        std::vector<std::string>{"disc-2026-11-23.iso", "disc-2026-11-30.iso", "disc.iso"});
  CHECK(iso::contents(kept) == week_one);
  CHECK(iso::contents(pool.dir / "disc-2026-11-30.iso") == week_two);
}

} // namespace cback::test
