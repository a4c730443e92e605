// cback-bench burn end to end: the image it writes, read back by xorriso;
// its CSV and SVG; underruns with a stalling source and a tiny FIFO; a real
// day too small to judge the FIFO; a generated tree grown to judge it.

#include "support/iso_tools.hpp"
#include "support/parts.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace iso = cback::test::iso;

namespace cback::test {

namespace {

cback::test::RunResult bench(const std::vector<std::string>& args) {
  std::vector<std::string> argv{cback::test::tool_binary("cback-bench"), "burn"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = cback::test::run(argv);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  return result;
}

// The first column of the CSV, strictly increasing.
void check_timestamps(const std::string& csv) {
  std::istringstream lines(csv);
  std::string line;
  REQUIRE(std::getline(lines, line));
  CHECK(line.rfind("seconds,written_bytes,fifo_fill_bytes", 0) == 0);
  double previous = -1.0;
  int rows = 0;
  while (std::getline(lines, line)) {
    const double seconds = std::stod(line.substr(0, line.find(',')));
    CHECK(seconds > previous);
    previous = seconds;
    ++rows;
  }
  CHECK(rows > 10);
}

} // namespace

TEST_CASE("bench burn writes a staging directory into an image xorriso reads back",
          "[bench][bench_burn]") {
  CBACK_REQUIRE_PART(cback::test::program_available("xorriso"));
  TempDir dir;
  dir.write("staging/host1/etc.tar", std::string(700 * 1024, 'e'));
  dir.write("staging/host1/home.tar", std::string(300 * 1024, 'h') + "tail");
  dir.write("staging/host2/notes.txt", "a small file\n");
  const auto image = dir / "out.iso";
  const auto result = bench({"--dir", (dir / "staging").string(), "--speed", "2M", "--drive-buffer",
                             "64K", "--fifo", "256K", "--image", image.string(), "--csv",
                             (dir / "f.csv").string(), "--svg", (dir / "f.svg").string()});
  CHECK(summary_of(result.out).count("underruns") == 1);
  const auto sessions = iso::toc(image);
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].volume_id == "CBACK BENCH");
  REQUIRE(iso::extract(image, dir / "extracted"));
  CHECK(iso::differences(dir / "staging", dir / "extracted").empty());
  check_timestamps(cback::test::read_file(dir / "f.csv"));
  const std::string svg = cback::test::read_file(dir / "f.svg");
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.find("<polyline") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out.iso.partial"));
}

TEST_CASE("bench burn reports underruns when the source stalls longer than a tiny FIFO lasts",
          "[bench][bench_burn]") {
  // At 512 KiB/s a 64 KiB FIFO and a 64 KiB drive buffer last a quarter
  // of a second; the source stops for half a second every second.
  const auto result = bench({"--size", "2M", "--files", "4", "--speed", "512K", "--stall",
                             "500ms/1s", "--fifo", "64K", "--drive-buffer", "64K"});
  const auto summary = summary_of(result.out);
  CHECK(std::stoi(summary.at("underruns")) > 0);
  CHECK(std::stod(summary.at("longest_underrun_seconds")) > 0.0);
  CHECK(std::stoll(summary.at("needed_fifo_bytes")) > 64 * 1024);
}

TEST_CASE("bench burn on a real day smaller than three FIFOs says it cannot judge",
          "[bench][bench_burn]") {
  // The whole day fits in the FIFO: the stall never drains it, so the run
  // says nothing about the FIFO and recommends none smaller than its own.
  TempDir dir;
  dir.write("staging/host1/etc.tar", std::string(1536 * 1024, 'e'));
  dir.write("staging/host1/home.tar", std::string(512 * 1024, 'h'));
  const auto result = bench({"--dir", (dir / "staging").string(), "--speed", "512K", "--stall",
                             "500ms/1s", "--fifo", "8M", "--svg", (dir / "f.svg").string()});
  const auto summary = summary_of(result.out);
  CHECK(summary.at("underruns") == "0");
  CHECK(summary.at("judged") == "no");
  CHECK(std::stoll(summary.at("recommended_fifo_bytes")) >= 8 * 1024 * 1024);
  CHECK(summary.at("verdict").find("too small to judge") != std::string::npos);
  const std::string svg = cback::test::read_file(dir / "f.svg");
  CHECK(svg.find("underrun: drive and FIFO empty") != std::string::npos);
  // The title names the FIFO the run used (8 MiB), not a rounded-down 0.
  CHECK(svg.find(", 8.00 MiB FIFO</text>") != std::string::npos);
}

TEST_CASE("bench burn grows a generated tree to three times the FIFO", "[bench][bench_burn]") {
  const auto result = bench({"--size", "100K", "--files", "2", "--speed", "2M", "--fifo", "256K",
                             "--drive-buffer", "64K"});
  const auto summary = summary_of(result.out);
  CHECK(std::stoll(summary.at("image_bytes")) >= 3 * 256 * 1024);
  CHECK(summary.at("judged") == "yes");
  CHECK(result.err.find("three times the FIFO") != std::string::npos);
}

TEST_CASE("bench burn refuses a stall that is not shorter than its period", "[bench][bench_burn]") {
  const auto result = cback::test::run(
      {cback::test::tool_binary("cback-bench"), "burn", "--stall", "1s/1s", "--size", "1M"});
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("stall") != std::string::npos);
}

} // namespace cback::test
