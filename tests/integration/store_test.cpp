// The store action through the real binary, writing to stdio: images that
// xorriso and isoinfo then read independently.

#include "support/iso_tools.hpp"
#include "support/parts.hpp"
#include "support/run.hpp"
#include "support/screen.hpp"
#include "support/small_tmpfs.hpp"
#include "support/store_pool.hpp"
#include "support/text.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
namespace iso = cback::test::iso;

namespace cback::test {

namespace {

void require_stored(const StorePool& pool, const std::string& date) {
  CHECK(fs::exists(pool.day_dir(date) / "cback.store"));
}

/// The tree of `date` as extracted from the newest session.
std::vector<std::string> extracted_differences(const StorePool& pool, const std::string& date,
                                               const std::string& name) {
  const fs::path out = pool.dir / name;
  REQUIRE(iso::extract(pool.image, out));
  // cback.store was written after the session: it is not on the disc.
  const fs::path expected = pool.dir / (name + "-expected");
  fs::copy(pool.day_dir(date), expected, fs::copy_options::recursive);
  fs::remove(expected / "cback.store");
  return iso::differences(expected,
                          out / date.substr(0, 4) / date.substr(5, 2) / date.substr(8, 2));
}

} // namespace

TEST_CASE("The first store writes one session on a blank image and marks the day",
          "[integration][store]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  pool.store_extra = "check_data = true\n";
  pool.stage_day("2026-11-24", "TUESDAY");
  const RunResult result = pool.run({"store"}, "2026-11-24");
  INFO(result.out << result.err << pool.log());
  REQUIRE(result.exit_code == 0);

  const auto sessions = iso::toc(pool.image);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].volume_id == "CEDAR BACKUP 24-NOV-2026");
  const std::string info = iso::isoinfo(pool.image);
  CHECK(info.find("Volume id: CEDAR BACKUP 24-NOV-2026") != std::string::npos);
  CHECK(info.find("Rock Ridge") != std::string::npos);
  CHECK(info.find("Joliet") != std::string::npos);
  CHECK(extracted_differences(pool, "2026-11-24", "out").empty());
  require_stored(pool, "2026-11-24");
  const std::string log = pool.log();
  CHECK(log.find("FIFO of") != std::string::npos);
  CHECK(log.find("Verified 5 files") != std::string::npos);
}

TEST_CASE("Three daily sessions are appended, then the starting day starts a new disc",
          "[integration][store]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  pool.store_extra = "check_data = true\n";
  for (const std::string date : {"2026-11-24", "2026-11-25", "2026-11-26"}) {
    pool.stage_day(date, "DAY-" + date);
    const RunResult result = pool.run({"store"}, date);
    INFO(date << ": " << result.out << result.err);
    REQUIRE(result.exit_code == 0);
    require_stored(pool, date);
  }
  auto sessions = iso::toc(pool.image);
  REQUIRE(sessions.size() == 3);
  CHECK(sessions[0].volume_id == "CEDAR BACKUP 24-NOV-2026");
  CHECK(sessions[2].volume_id == "CEDAR BACKUP 26-NOV-2026");
  REQUIRE(iso::extract(pool.image, pool.dir / "week"));
  for (const std::string day : {"24", "25", "26"}) {
    CHECK(fs::exists(pool.dir / "week/2026/11" / day / "peer1/etc.tar"));
  }

  pool.stage_day("2026-11-30", "NEXT-MONDAY");
  const RunResult monday = pool.run({"store"}, "2026-11-30");
  INFO(monday.out << monday.err);
  REQUIRE(monday.exit_code == 0);
  sessions = iso::toc(pool.image);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].volume_id == "CEDAR BACKUP 30-NOV-2026");
  CHECK(extracted_differences(pool, "2026-11-30", "monday").empty());
  CHECK_FALSE(fs::exists(pool.dir / "monday/2026/11/24"));
}

TEST_CASE("With --full store writes a new disc of today's directory, even one already stored",
          "[integration][store]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  pool.stage_day("2026-11-24", "TUESDAY");
  pool.stage_day("2026-11-25", "WEDNESDAY");
  REQUIRE(pool.run({"store"}, "2026-11-24").exit_code == 0);
  REQUIRE(pool.run({"store"}, "2026-11-25").exit_code == 0);
  REQUIRE(iso::toc(pool.image).size() == 2);

  for (int round = 0; round < 2; ++round) {
    const RunResult result = pool.run({"--full", "store"}, "2026-11-25");
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    const auto sessions = iso::toc(pool.image);
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0].volume_id == "CEDAR BACKUP 25-NOV-2026");
  }
  REQUIRE(iso::extract(pool.image, pool.dir / "out"));
  CHECK_FALSE(fs::exists(pool.dir / "out/2026/11/24"));
  CHECK(fs::exists(pool.dir / "out/2026/11/25/peer1/etc.tar"));
}

TEST_CASE("Store without a fresh staging directory fails naming the days tried",
          "[integration][store]") {
  StorePool pool;
  pool.stage_day("2026-11-20", "OLD");
  const RunResult result = pool.run({"store"}, "2026-11-24");
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains("tried today, yesterday, tomorrow"));
  CHECK_FALSE(fs::exists(pool.image));
}

TEST_CASE("warn_midnite warns when store takes yesterday's directory", "[integration][store]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  for (const bool warn : {true, false}) {
    StorePool pool;
    pool.store_extra = fmt::format("warn_midnite = {}\n", warn);
    pool.stage_day("2026-11-24", "TUESDAY");
    const RunResult result = pool.run({"store"}, "2026-11-25");
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    require_stored(pool, "2026-11-24");
    const auto sessions = iso::toc(pool.image);
    REQUIRE(sessions.size() == 1);
    // The label is the day of writing, the graft point the day of the data.
    CHECK(sessions[0].volume_id == "CEDAR BACKUP 25-NOV-2026");
    CHECK(extracted_differences(pool, "2026-11-24", "out").empty());
    const bool warned = pool.log().find("crossed midnite boundary") != std::string::npos;
    CHECK(warned == warn);
  }
}

TEST_CASE("Store prefers today's directory over yesterday's and tomorrow's",
          "[integration][store]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  pool.stage_day("2026-11-24", "TUESDAY");
  pool.stage_day("2026-11-25", "WEDNESDAY");
  pool.stage_day("2026-11-26", "THURSDAY");
  REQUIRE(pool.run({"store"}, "2026-11-25").exit_code == 0);
  require_stored(pool, "2026-11-25");
  CHECK_FALSE(fs::exists(pool.day_dir("2026-11-24") / "cback.store"));
  REQUIRE(pool.run({"store"}, "2026-11-25").exit_code == 0);
  require_stored(pool, "2026-11-24");
  REQUIRE(pool.run({"store"}, "2026-11-25").exit_code == 0);
  require_stored(pool, "2026-11-26");
  CHECK(iso::toc(pool.image).size() == 3);
}

TEST_CASE("A day whose stage failed for a peer is not stored unless allowed",
          "[integration][store]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  const fs::path day = pool.stage_day("2026-11-24", "TUESDAY");
  std::ofstream(day / "cback.peers") << "cback-stage-status 1 2026-11-24\n"
                                        "peer staged 2 100 100 5 peer1\t\n"
                                        "peer failed 0 0 0 7 peer2\tconnection refused\n"
                                        "end 2\n";
  const RunResult refused = pool.run({"store"}, "2026-11-24");
  CHECK(refused.exit_code == 6);
  CHECK_THAT(refused.out + refused.err, Catch::Contains("peer2"));
  CHECK_FALSE(fs::exists(pool.image));
  CHECK_FALSE(fs::exists(day / "cback.store"));

  pool.store_extra = "allow_failed_peers = true\n";
  const RunResult allowed = pool.run({"store"}, "2026-11-24");
  INFO(allowed.out << allowed.err);
  REQUIRE(allowed.exit_code == 0);
  CHECK(fs::exists(day / "cback.store"));
  CHECK(pool.log().find("although its stage failed for peer(s) peer2") != std::string::npos);
  CHECK(iso::toc(pool.image).size() == 1);
}

TEST_CASE("An image that does not fit is refused before writing and the medium is untouched",
          "[integration][store]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  CBACK_REQUIRE_PART(pool.image_on_tmpfs("2m"));
  pool.stage_day("2026-11-24", "SMALL", 20'000);
  REQUIRE(pool.run({"store"}, "2026-11-24").exit_code == 0);
  const std::string before = iso::contents(pool.image);

  pool.stage_day("2026-11-25", "TOO-BIG", 3'000'000);
  const RunResult result = pool.run({"store"}, "2026-11-25");
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains("not contain enough capacity") &&
                                          Catch::Contains("iB available (") &&
                                          Catch::Contains("iB short)."));
  CHECK(iso::contents(pool.image) == before);
  CHECK_FALSE(fs::exists(pool.day_dir("2026-11-25") / "cback.store"));
}

TEST_CASE("A disc that fills up during the write fails with ENOSPC and is not marked stored",
          "[integration][store]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  CBACK_REQUIRE_PART(pool.image_on_tmpfs("4m"));
  pool.stage_day("2026-11-24", "FILLS-UP", 3'000'000);
  // Another writer takes the space once the image passed the capacity
  // check: the new image (disc.iso.partial, renamed to disc.iso when
  // complete) takes data when the write begins, and the FIFO of 64 KiB
  // keeps libisofs from running far ahead of the drive. On a busy machine
  // the filler may come too early or too late; then the attempt is
  // repeated on an empty tmpfs.
  pool.store_extra = "fifo_size = \"64 KB\"\n";
  const fs::path partial = pool.image.string() + ".partial";
  RunResult result;
  for (int attempt = 0; attempt < 5; ++attempt) {
    fs::remove(pool.image);
    fs::remove(pool.dir / "small/filler");
    fs::remove(pool.day_dir("2026-11-24") / "cback.store");
    std::thread filler([&] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      std::error_code error;
      while ((fs::file_size(partial, error) == 0 || error) &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::ofstream filler_file(pool.dir / "small/filler", std::ios::binary);
      const std::string block(64 * 1024, 'x');
      for (int i = 0; i < 64 && filler_file.write(block.data(), block.size()); ++i) {
      }
    });
    result = pool.run({"store"}, "2026-11-24");
    filler.join();
    if ((result.out + result.err).find("No space left on device") != std::string::npos) {
      break;
    }
  }
  INFO(result.out << result.err << pool.log());
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains("No space left on device"));
  CHECK_FALSE(fs::exists(pool.day_dir("2026-11-24") / "cback.store"));
  CHECK_FALSE(fs::exists(pool.image));
  CHECK_FALSE(fs::exists(partial));
}

TEST_CASE("blank_behavior starts a new disc when the free space is within the factor",
          "[integration][store]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  // 4.4 GiB free for an image of about 150 kB: a ratio near 30 000.
  for (const auto& [factor, sessions] : {std::pair{"1000000", 1U}, std::pair{"1", 2U}}) {
    StorePool pool;
    pool.store_extra =
        fmt::format("[store.blank_behavior]\nmode = \"daily\"\nfactor = \"{}\"\n", factor);
    pool.stage_day("2026-11-24", "TUESDAY");
    pool.stage_day("2026-11-25", "WEDNESDAY");
    REQUIRE(pool.run({"store"}, "2026-11-24").exit_code == 0);
    const RunResult second = pool.run({"store"}, "2026-11-25");
    INFO(second.out << second.err << pool.log());
    REQUIRE(second.exit_code == 0);
    CHECK(iso::toc(pool.image).size() == sessions);
    CHECK(pool.log().find("Blanking factor") != std::string::npos);
  }
}

TEST_CASE("check_data fails the store naming a file whose bytes changed on the disc",
          "[integration][store]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  pool.store_extra = "check_data = true\nfifo_size = \"64 KB\"\n";
  pool.stage_day("2026-11-24", "FLIP-THIS-BYTE", 4'000'000);
  // A second writer flips a byte of etc.tar in the new image (written as
  // disc.iso.partial) as soon as it has reached the file, well before the
  // write of the rest of it ends and the session is read back. A flip that
  // comes too late (the store passed) is tried again on a fresh image.
  const fs::path partial = pool.image.string() + ".partial";
  RunResult result;
  for (int attempt = 0; attempt < 5; ++attempt) {
    fs::remove(pool.image);
    fs::remove(pool.day_dir("2026-11-24") / "cback.store");
    std::atomic<bool> done{false};
    std::thread flipper([&] {
      while (!done && !iso::flip_byte(partial, "FLIP-THIS-BYTE:")) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    result = pool.run({"store"}, "2026-11-24");
    done = true;
    flipper.join();
    if (result.exit_code != 0) {
      break;
    }
  }
  INFO(result.out << result.err << pool.log());
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err,
             Catch::Contains("[2026/11/24/peer1/etc.tar] does not match its recorded MD5"));
  CHECK_FALSE(fs::exists(pool.day_dir("2026-11-24") / "cback.store"));
  // The image that failed its check never replaced the image file.
  CHECK_FALSE(fs::exists(pool.image));
  CHECK_FALSE(fs::exists(partial));
}

TEST_CASE("A stage that fills the staging filesystem fails, and store refuses the cut-short day",
          "[integration][store][stage]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  StorePool pool;
  const SmallTmpfs tmpfs(pool.staging(), "1m");
  CBACK_REQUIRE_PART(tmpfs.mounted());
  // Monday is on the disc already; Tuesday's collect does not fit what is
  // left of the staging filesystem.
  pool.stage_day("2026-11-23", "MONDAY");
  REQUIRE(pool.run({"store"}, "2026-11-23").exit_code == 0);
  const std::string before = iso::contents(pool.image);
  pool.dir.write("collect/cback.collect", "");
  std::string expected_failure;
  std::string expected_refusal;
  SECTION("an archive larger than the free space is refused before a byte is written") {
    pool.dir.write("collect/etc.tar", std::string(3'000'000, 'T'));
    expected_failure = "[etc.tar] is listed with 3000000 bytes, more than the";
    expected_refusal = "its stage failed for peer(s) peer1";
  }
  SECTION("an archive that takes the last free page leaves no room for the status record") {
    // The stage writes its record once when it starts (one page), then the
    // archive fills what is left, so the record of the peer's outcome
    // cannot be written.
    const auto free = fs::space(pool.staging()).available;
    REQUIRE(free > 8192);
    pool.dir.write("collect/etc.tar", std::string(free - 4096, 'T'));
    expected_failure = "the stage status record could not be written";
    expected_refusal = "peer(s) peer1 are missing from its stage status record";
  }

  const RunResult staged = pool.run({"stage"}, "2026-11-24");
  INFO(staged.out << staged.err << pool.log());
  CHECK(staged.exit_code == 6);
  CHECK_THAT(staged.out + staged.err, Catch::Contains(expected_failure));

  const fs::path day = pool.day_dir("2026-11-24");
  const RunResult stored = pool.run({"store"}, "2026-11-24");
  INFO(stored.out << stored.err);
  CHECK(stored.exit_code == 6);
  CHECK_THAT(stored.out + stored.err, Catch::Contains("[" + day.string() + "] is incomplete") &&
                                          Catch::Contains(expected_refusal));
  if (fs::exists(day / "peer1/etc.tar.partial")) {
    CHECK_THAT(stored.out + stored.err, Catch::Contains("peer1/etc.tar.partial"));
  }
  CHECK_FALSE(fs::exists(day / "cback.store"));
  CHECK(iso::contents(pool.image) == before);
}

TEST_CASE("A stage that cannot write its status record fails, and store refuses the day",
          "[integration][store][stage]") {
  StorePool pool;
  pool.dir.write("collect/cback.collect", "");
  pool.dir.write("collect/etc.tar", "TUESDAY");
  const fs::path day = pool.day_dir("2026-11-24");
  // A first run writes a complete record.
  REQUIRE(pool.run({"stage"}, "2026-11-24").exit_code == 0);
  REQUIRE(fs::exists(day / "cback.peers"));
  // A second run the same day cannot write one (its temporary name is
  // taken by a directory); the first run's record must not stand for it.
  fs::create_directories(day / "cback.peers.partial");
  pool.dir.write("collect/new.tar", "NEW");
  const RunResult staged = pool.run({"stage"}, "2026-11-24");
  INFO(staged.out << staged.err << pool.log());
  CHECK(staged.exit_code == 6);
  CHECK_THAT(staged.out + staged.err,
             Catch::Contains("the stage status record could not be written") &&
                 Catch::Contains("cback.peers.partial"));
  CHECK(fs::exists(day / "peer1/new.tar"));
  CHECK_FALSE(fs::exists(day / "cback.peers"));

  const RunResult stored = pool.run({"store"}, "2026-11-24");
  INFO(stored.out << stored.err);
  CHECK(stored.exit_code == 6);
  CHECK_THAT(stored.out + stored.err, Catch::Contains("no stage status record") &&
                                          Catch::Contains("peer1") &&
                                          Catch::Contains("cback.peers.partial"));
  CHECK_FALSE(fs::exists(day / "cback.store"));
  CHECK_FALSE(fs::exists(pool.image));
}

TEST_CASE("Rebuild refuses a week with a partial file and writes nothing",
          "[integration][rebuild]") {
  StorePool pool;
  pool.stage_day("2026-11-23", "MONDAY");
  const fs::path tuesday = pool.stage_day("2026-11-24", "TUESDAY");
  pool.dir.write(tuesday.lexically_relative(pool.dir.path()).string() + "/peer1/db.tar.partial",
                 "cut short");
  const RunResult result = pool.run({"rebuild"}, "2026-11-24");
  INFO(result.out << result.err);
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err,
             Catch::Contains("peer1/db.tar.partial") && Catch::Contains(tuesday.string()));
  CHECK_FALSE(fs::exists(pool.image));
  CHECK_FALSE(fs::exists(pool.day_dir("2026-11-23") / "cback.store"));
  CHECK_FALSE(fs::exists(tuesday / "cback.store"));
}

TEST_CASE("Rebuild writes a day with a failed peer, with a warning", "[integration][rebuild]") {
  CBACK_REQUIRE_PART(cback::test::program_available("xorriso"));
  StorePool pool;
  const fs::path day = pool.stage_day("2026-11-24", "TUESDAY");
  std::ofstream(day / "cback.peers") << "cback-stage-status 1 2026-11-24\n"
                                        "peer failed 1 100 100 5 peer1\tconnection reset\n"
                                        "end 1\n";
  const RunResult result = pool.run({"rebuild"}, "2026-11-24");
  INFO(result.out << result.err << pool.log());
  REQUIRE(result.exit_code == 0);
  CHECK(pool.log().find("although its stage failed for peer(s) peer1") != std::string::npos);
  CHECK(fs::exists(day / "cback.store"));
}

TEST_CASE("On a terminal store shows the image being written, then the run in one line",
          "[integration][store][progress]") {
  StorePool pool;
  pool.stage_day("2026-11-24", "TUESDAY", 3'000'000);
  RunOptions options;
  options.env.push_back("CBACK_TODAY=2026-11-24");
  const RunResult result =
      run_on_terminal(cback_command(pool.config(), pool.dir / "cback.log", {"store"}), options);
  INFO(result.out << pool.log());
  REQUIRE(result.exit_code == 0);
  // The write's line, redrawn in place: the image bytes of the whole, and
  // the FIFO's fill (a stdio: drive reports no buffer of its own).
  const std::string job = "store: ";
  CHECK(contains(result.out, job));
  CHECK(contains(result.out, " MiB ("));
  CHECK(contains(result.out, "%), "));
  CHECK(contains(result.out, ", FIFO "));
  CHECK(contains(result.out, "\x1b[K"));
  // Once done, the line is gone and the summary is the last thing shown.
  const auto screen = screen_of(result.out);
  REQUIRE_FALSE(screen.empty());
  CHECK_THAT(screen.back(),
             Catch::Matches(R"(Run succeeded in 0:\d\d: store 2\.86 MiB in 5 files)"));
  for (const auto& line : screen) {
    CHECK_FALSE(line.starts_with(job));
  }
  // The log holds no terminal control and no progress lines of a short write.
  CHECK_FALSE(contains(pool.log(), "\x1b"));
  CHECK_FALSE(contains(pool.log(), "%), FIFO "));
}

TEST_CASE("The store's --perf row gives the bytes and files of the day it wrote",
          "[integration][store][perf]") {
  StorePool pool;
  pool.stage_day("2026-11-24", "TUESDAY", 3'000'000);
  const RunResult result = pool.run({"--perf", "store"}, "2026-11-24");
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto lines = lines_of(result.out);
  const auto row = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
    return line.starts_with(pool.day_dir("2026-11-24").string());
  });
  REQUIRE(row != lines.end());
  // Content read and image written, in MiB; five files (the day's records
  // and the peers' archives).
  CHECK_THAT(*row, Catch::Matches(R"(.* 2\.86 MiB +[0-9.]+ MiB +[0-9.-]+ +5 +0)"));
  // Not a terminal: no summary line, no control characters.
  CHECK_FALSE(contains(result.out, "Run succeeded"));
  CHECK_FALSE(contains(result.out, "\x1b"));
}

TEST_CASE("validate fails naming the staged day that a blank medium cannot take",
          "[integration][store][validate]") {
  StorePool pool;
  pool.media_type = "cdr-74";
  pool.device_type = "cdwriter";
  fs::create_directories(pool.dir / "collect");
  const fs::path day = pool.stage_day("2026-11-24", "TUESDAY");
  // A sparse file: 700 MiB to the image, nothing to the disk.
  fs::resize_file(
      pool.dir.write(day.lexically_relative(pool.dir.path()).string() + "/peer1/big.tar", ""),
      700ULL * 1024 * 1024);
  const RunResult result = pool.run({"--offline", "validate"}, "2026-11-24");
  INFO(result.out << result.err << pool.log());
  CHECK(result.exit_code == 4);
  CHECK(contains(result.out, "The staged day [" + day.string() +
                                 "] needs at least 700.05 MiB, more than the 627.73 MiB a blank "
                                 "cdr-74 takes: store cannot write it."));
  CHECK(contains(result.out, "Configuration is not valid."));
}

TEST_CASE("validate says when there is no staged day to check the medium's capacity against",
          "[integration][store][validate]") {
  StorePool pool;
  fs::create_directories(pool.dir / "collect");
  fs::create_directories(pool.staging());
  const RunResult result = pool.run({"--offline", "validate"}, "2026-11-24");
  INFO(result.out << result.err << pool.log());
  CHECK(result.exit_code == 0);
  CHECK(contains(pool.log(), "No staged day to store (Unable to find unused staging directory"));
  CHECK(contains(pool.log(), "the medium's capacity was not checked."));
  CHECK(contains(result.out, "Configuration is valid."));
}

} // namespace cback::test
