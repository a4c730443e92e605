// Sessions written to libburn stdio: pseudo-drives on image files, checked
// with xorriso and isoinfo, and read back through verify_session.

#include "support/io_backends.hpp"
#include "support/iso_tools.hpp"
#include "support/parts.hpp"
#include "support/temp_dir.hpp"

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/media/drive.hpp>
#include <cback/media/session.hpp>
#include <cback/media/verify.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <limits>
#include <string>
#include <sys/stat.h>

namespace fs = std::filesystem;
namespace iso = cback::test::iso;
using cback::test::TempDir;
using namespace cback::media;

namespace {

constexpr std::int64_t k_unlimited = std::numeric_limits<std::int64_t>::max();

std::string address_of(const fs::path& image) {
  return "stdio:" + image.string();
}

/// A day's staging directory with a peer subdirectory and a file of
/// `size` bytes whose content starts with `marker`.
fs::path make_day(const TempDir& dir, const std::string& name, const std::string& marker,
                  std::size_t size = 300'000) {
  std::string big = marker;
  while (big.size() < size) {
    big += std::to_string(big.size() % 9973) + ",";
  }
  dir.write(name + "/cback.stage", "");
  dir.write(name + "/peer1/etc.tar", big);
  dir.write(name + "/peer1/empty", "");
  dir.write(name + "/peer2/home.tar", marker + " second file");
  return dir / name;
}

SessionSpec spec_for(const fs::path& source, const std::string& graft, const std::string& label) {
  SessionSpec spec;
  spec.grafts.push_back({source, graft});
  spec.volume_id = label;
  spec.fifo_size = 4 * 1024 * 1024;
  spec.available = k_unlimited;
  spec.io = &cback::test::default_backend();
  return spec;
}

WriteReport write(const fs::path& image, const SessionSpec& spec, Grab how = Grab::as_is) {
  cback::core::Logger log;
  Drive drive = Drive::grab(address_of(image), how);
  return write_session(drive, spec, log);
}

} // namespace

TEST_CASE("A first session on a blank image has Rock Ridge, Joliet and the label", "[media]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  TempDir dir;
  const fs::path day = make_day(dir, "day1", "FIRST-DAY-MARKER");
  const fs::path image = dir / "disc.iso";
  const WriteReport report = write(image, spec_for(day, "2026/11/23", "CEDAR BACKUP 23-NOV-2026"));

  CHECK(report.image_bytes > 300'000);
  CHECK(report.image_bytes == static_cast<std::int64_t>(fs::file_size(image)) - report.start_byte);
  const auto sessions = iso::toc(image);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].volume_id == "CEDAR BACKUP 23-NOV-2026");
  const std::string info = iso::isoinfo(image);
  CHECK(info.find("Volume id: CEDAR BACKUP 23-NOV-2026") != std::string::npos);
  CHECK(info.find("Rock Ridge") != std::string::npos);
  CHECK(info.find("Joliet") != std::string::npos);
  REQUIRE(iso::extract(image, dir / "out"));
  CHECK(iso::differences(day, dir / "out/2026/11/23").empty());
}

TEST_CASE("A second session is appended and keeps the first one's files", "[media]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  TempDir dir;
  const fs::path day1 = make_day(dir, "day1", "FIRST-DAY-MARKER");
  const fs::path day2 = make_day(dir, "day2", "SECOND-DAY-MARKER", 100'000);
  const fs::path image = dir / "disc.iso";
  write(image, spec_for(day1, "2026/11/23", "CEDAR BACKUP 23-NOV-2026"));
  cback::core::Logger log;
  {
    Drive drive = Drive::grab(address_of(image));
    const MediumState state = drive.state();
    CHECK(state.status == DiscStatus::appendable);
    CHECK(state.sessions == 1);
    CHECK(state.volume_id == "CEDAR BACKUP 23-NOV-2026");
    CHECK(state.overwriteable);
    CHECK(state.used_bytes > 0);
    write_session(drive, spec_for(day2, "2026/11/24", "CEDAR BACKUP 24-NOV-2026"), log);
  }
  const auto sessions = iso::toc(image);
  REQUIRE(sessions.size() == 2);
  CHECK(sessions[1].volume_id == "CEDAR BACKUP 24-NOV-2026");
  REQUIRE(iso::extract(image, dir / "out"));
  CHECK(iso::differences(day1, dir / "out/2026/11/23").empty());
  CHECK(iso::differences(day2, dir / "out/2026/11/24").empty());
  const VerifyReport verified =
      verify_session(address_of(image), {{day1, "2026/11/23"}, {day2, "2026/11/24"}}, log);
  CHECK(verified.files == 8);
  CHECK(verified.session_md5);
}

TEST_CASE("Grabbing as blank starts a new disc over an old image", "[media]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  TempDir dir;
  const fs::path day1 = make_day(dir, "day1", "FIRST-DAY-MARKER");
  const fs::path day2 = make_day(dir, "day2", "SECOND-DAY-MARKER", 1000);
  const fs::path image = dir / "disc.iso";
  write(image, spec_for(day1, "2026/11/23", "CEDAR BACKUP 23-NOV-2026"));
  write(image, spec_for(day2, "2026/11/30", "CEDAR BACKUP 30-NOV-2026"), Grab::as_blank);

  const auto sessions = iso::toc(image);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].volume_id == "CEDAR BACKUP 30-NOV-2026");
  REQUIRE(iso::extract(image, dir / "out"));
  CHECK_FALSE(fs::exists(dir / "out/2026/11/23"));
  CHECK(iso::differences(day2, dir / "out/2026/11/30").empty());
}

TEST_CASE("An image larger than the space allowed is refused before writing", "[media]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  TempDir dir;
  const fs::path day1 = make_day(dir, "day1", "FIRST-DAY-MARKER", 1000);
  const fs::path day2 = make_day(dir, "day2", "SECOND-DAY-MARKER", 400'000);
  const fs::path image = dir / "disc.iso";
  write(image, spec_for(day1, "2026/11/23", "CEDAR BACKUP 23-NOV-2026"));
  const std::string before = iso::contents(image);

  SessionSpec spec = spec_for(day2, "2026/11/24", "CEDAR BACKUP 24-NOV-2026");
  spec.available = 200'000;
  try {
    write(image, spec);
    FAIL("the write was not refused");
  } catch (const cback::Error& error) {
    const std::string message = error.what();
    CHECK(message.find("not contain enough capacity") != std::string::npos);
    CHECK(message.find("195.31 KiB available") != std::string::npos);
    CHECK(message.find(" short).") != std::string::npos);
  }
  CHECK(iso::contents(image) == before);
}

TEST_CASE("Verification names a file whose bytes changed on the disc", "[media]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  TempDir dir;
  const fs::path day = make_day(dir, "day1", "FLIP-ME-MARKER");
  const fs::path image = dir / "disc.iso";
  write(image, spec_for(day, "2026/11/23", "CEDAR BACKUP 23-NOV-2026"));
  REQUIRE(iso::flip_byte(image, "FLIP-ME-MARKER second file"));
  cback::core::Logger log;
  try {
    verify_session(address_of(image), {{day, "2026/11/23"}}, log);
    FAIL("the flipped byte was not found");
  } catch (const cback::Error& error) {
    const std::string message = error.what();
    CHECK(message.find("2026/11/23/peer2/home.tar") != std::string::npos);
    CHECK(message.find("etc.tar") == std::string::npos);
  }
}

TEST_CASE("Verification names files missing from the disc", "[media]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  TempDir dir;
  const fs::path day = make_day(dir, "day1", "MARKER", 1000);
  const fs::path image = dir / "disc.iso";
  write(image, spec_for(day, "2026/11/23", "CEDAR BACKUP 23-NOV-2026"));
  dir.write("day1/peer3/late.tar", "arrived after the write");
  cback::core::Logger log;
  CHECK_THROWS_WITH(verify_session(address_of(image), {{day, "2026/11/23"}}, log),
                    Catch::Contains("[2026/11/23/peer3/late.tar] is missing on the disc"));
}

TEST_CASE("A write that runs out of space fails with the system's reason", "[media]") {
  TempDir dir;
  const fs::path day = make_day(dir, "day1", "MARKER", 200'000);
  cback::core::Logger log;
  // /dev/full takes no byte: every write fails with ENOSPC.
  Drive drive = Drive::grab("stdio:/dev/full");
  CHECK_THROWS_WITH(write_session(drive, spec_for(day, "2026/11/23", "CEDAR BACKUP"), log),
                    Catch::Contains("No space left on device") &&
                        Catch::Contains("stdio:/dev/full"));
}

TEST_CASE("A write right after a failed one writes its whole session", "[media]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  TempDir dir;
  const fs::path day = make_day(dir, "day1", "AFTER-FAILURE-MARKER", 200'000);
  {
    cback::core::Logger log;
    Drive full = Drive::grab("stdio:/dev/full");
    REQUIRE_THROWS(write_session(full, spec_for(day, "2026/11/23", "CEDAR BACKUP"), log));
  }
  // libburn's thread of the failed write is still winding down here.
  const fs::path image = dir / "disc.iso";
  write(image, spec_for(day, "2026/11/23", "CEDAR BACKUP 23-NOV-2026"));
  REQUIRE(iso::extract(image, dir / "out"));
  CHECK(iso::differences(day, dir / "out/2026/11/23").empty());
}

TEST_CASE("A write reports its FIFO samples and statistics", "[media]") {
  TempDir dir;
  const fs::path day = make_day(dir, "day1", "MARKER", 1'500'000);
  SessionSpec spec = spec_for(day, "2026/11/23", "CEDAR BACKUP");
  spec.fifo_size = 256 * 1024;
  spec.speed_kbs = 1385; // DVD 1x (libburn does not throttle stdio: files)
  cback::core::Logger log;
  Drive drive = Drive::grab(address_of(dir / "disc.iso"));
  std::vector<WriteSample> samples;
  const WriteReport report =
      write_session(drive, spec, log, nullptr, [&](const WriteSample& s) { samples.push_back(s); });
  // A fast write may finish before the first poll; every sample seen must
  // be consistent.
  for (const auto& sample : samples) {
    CHECK(sample.fifo_fill >= 0);
    CHECK(sample.fifo_fill <= sample.fifo_size);
    CHECK(sample.written <= report.image_bytes + 2048);
  }
  CHECK(report.fifo_size == 256 * 1024);
  CHECK(report.fifo_min_fill >= 0);
  CHECK(report.fifo_min_fill <= 256 * 1024);
  CHECK(report.image_bytes > 1'500'000);
  CHECK(report.duration.count() > 0.0);
}

TEST_CASE("A read gate is asked for every byte of the staged files before it is read", "[media]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  TempDir dir;
  const fs::path day = make_day(dir, "day1", "GATED-MARKER");
  SessionSpec spec = spec_for(day, "2026/11/23", "CEDAR BACKUP");
  std::atomic<std::int64_t> gated{0};
  spec.read_gate = [&](std::int64_t bytes) { gated += bytes; };
  const fs::path image = dir / "disc.iso";
  write(image, spec);
  std::int64_t staged = 0;
  for (const auto& entry : fs::recursive_directory_iterator(day)) {
    staged += entry.is_regular_file() ? static_cast<std::int64_t>(entry.file_size()) : 0;
  }
  CHECK(gated == staged);
  REQUIRE(iso::extract(image, dir / "out"));
  CHECK(iso::differences(day, dir / "out/2026/11/23").empty());
}

TEST_CASE("Staged entries keep their modes, owners, times, links and kinds as xorriso records "
          "them, and hard links are written once",
          "[media]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  TempDir dir;
  const fs::path day = dir / "day";
  fs::create_directories(day / "empty-dir");
  std::string big;
  while (big.size() < 2'000'000) {
    big += std::to_string(big.size()) + ";";
  }
  dir.write("day/data", big);
  fs::create_hard_link(day / "data", day / "data-link");
  fs::permissions(day / "data",
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  fs::create_symlink("data", day / "symlink");
  REQUIRE(::mkfifo((day / "pipe").c_str(), 0600) == 0);
  fs::last_write_time(day / "data",
                      fs::file_time_type::clock::now() - std::chrono::hours(24 * 400));

  const fs::path image = dir / "disc.iso";
  const WriteReport report = write(image, spec_for(day, "2026/11/23", "CEDAR BACKUP 23-NOV-2026"));
  CHECK(report.image_bytes < static_cast<std::int64_t>(big.size()) * 3 / 2);

  const fs::path reference = dir / "reference.iso";
  iso::capture("xorriso -outdev " + iso::quoted("stdio:" + reference.string()) + " -map " +
               iso::quoted(day.string()) + " /day -commit");
  const std::string expected = iso::listing(reference, "/day");
  REQUIRE(expected.find("'data-link'") != std::string::npos);
  CHECK(iso::listing(image, "/2026/11/23") == expected);
  REQUIRE(iso::extract(image, dir / "out"));
  CHECK(iso::contents(dir / "out/2026/11/23/data-link") == big);
}
