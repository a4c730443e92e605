// cback-span through the real program: a staging directory too big for one
// disc is spanned over stdio: images, which xorriso then reads back
// independently; the interactive mode is driven through stdin.

#include "support/iso_tools.hpp"
#include "support/parts.hpp"
#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace iso = cback::test::iso;

namespace cback::test {

namespace {

bool readers_available() {
  return cback::test::program_available("xorriso");
}

// Bytes that differ from file to file and within a file.
std::string data(const std::string& marker, std::size_t size) {
  std::string text;
  while (text.size() < size) {
    text += fmt::format("{}:{};", marker, text.size());
  }
  text.resize(size);
  return text;
}

/// Three staged days (stage_week()) and the store configuration around them.
struct SpanPool {
  TempDir dir;
  std::string store_extra = "check_data = true\n";

  SpanPool() { stage_week(); }

  [[nodiscard]] fs::path staging() const { return dir / "staging"; }
  [[nodiscard]] fs::path day(const std::string& name) const { return staging() / "2026/11" / name; }

  /// Three staged days of 300 000, 250 000 and 200 000 bytes of peer1
  /// data (and a small peer2 file each): 753 000 bytes in all.
  void stage_week() const {
    const std::vector<std::pair<std::string, std::size_t>> days{
        {"24", 300'000}, {"25", 250'000}, {"26", 200'000}};
    for (const auto& [name, size] : days) {
      const std::string at = "staging/2026/11/" + name;
      dir.write(at + "/cback.stage", "");
      dir.write(at + "/peer1/etc.tar", data("day" + name, size));
      dir.write(at + "/peer2/home.tar", data("peer2-" + name, 1000));
    }
  }

  [[nodiscard]] fs::path config() const {
    fs::create_directories(dir / "work");
    return dir.write("cback.toml",
                     fmt::format(R"({}[store]
source_dir = '{}'
media_type = "cdr-74"
device_type = "cdwriter"
target_device = 'stdio:{}'
{}
)",
                                 cback::test::options_table(dir / "work"), staging().string(),
                                 (dir / "disc.iso").string(), store_extra));
  }

  [[nodiscard]] std::vector<std::string> argv(const std::vector<std::string>& extra) const {
    return cback_command(config(), dir / "span.log", extra, tool_binary("cback-span"));
  }

  [[nodiscard]] RunResult run(const std::vector<std::string>& extra) const {
    return cback::test::run(argv(extra));
  }

  /// Runs with `answers` on stdin.
  [[nodiscard]] RunResult answer(const std::string& answers,
                                 const std::vector<std::string>& extra) const {
    const fs::path input = dir.write("answers.txt", answers);
    std::string command = "exec";
    for (const auto& arg : argv(extra)) {
      command += " " + iso::quoted(arg);
    }
    command += " < " + iso::quoted(input.string());
    return cback::test::run({"/bin/sh", "-c", command});
  }

  [[nodiscard]] std::string image(int number) const {
    return (dir / fmt::format("disc-{}.iso", number)).string();
  }

  [[nodiscard]] std::string pattern() const { return (dir / "disc-%d.iso").string(); }

  [[nodiscard]] bool stored(const std::string& name) const {
    return fs::exists(day(name) / "cback.store");
  }
};

/// The union of the images' trees, extracted into one directory.
fs::path extract_all(const SpanPool& pool, int discs) {
  const fs::path out = pool.dir / "union";
  for (int number = 1; number <= discs; ++number) {
    const fs::path part = pool.dir / fmt::format("extracted-{}", number);
    REQUIRE(iso::extract(pool.image(number), part));
    fs::copy(part, out, fs::copy_options::recursive);
  }
  return out;
}

/// The staging dir as it was written (cback.store came afterwards).
fs::path expected_tree(const SpanPool& pool) {
  const fs::path expected = pool.dir / "expected";
  fs::copy(pool.staging(), expected, fs::copy_options::recursive);
  for (const std::string name : {"24", "25", "26"}) {
    fs::remove(expected / "2026/11" / name / "cback.store");
  }
  return expected;
}

void check_images(const SpanPool& pool, int discs) {
  for (int number = 1; number <= discs; ++number) {
    const auto sessions = iso::toc(pool.image(number));
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0].volume_id == fmt::format("CEDAR BACKUP SPAN {} OF {}", number, discs));
  }
  CHECK_FALSE(fs::exists(pool.image(discs + 1)));
  CHECK(iso::differences(expected_tree(pool), extract_all(pool, discs)).empty());
}

} // namespace

TEST_CASE("Without questions the span writes one verified image per disc and marks every day",
          "[integration][span]") {
  CBACK_REQUIRE_PART(readers_available());
  const SpanPool pool;
  const RunResult result = pool.run({"--yes", "--algorithm", "worst", "--cushion", "0",
                                     "--capacity", "400000", "--image-pattern", pool.pattern()});
  INFO(result.out << result.err << cback::test::read_file(pool.dir / "span.log"));
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.find("Using the \"worst-fit\" algorithm") != std::string::npos);
  CHECK(result.out.find("into 3 discs.") != std::string::npos);
  CHECK(result.out.find("Disc 1: 7 files, 198.24 KiB, 50.75% utilization") != std::string::npos);
  CHECK(result.out.find("Completed consistency check.") != std::string::npos);
  CHECK(result.out.find("Completed writing all discs.") != std::string::npos);
  check_images(pool, 3);
  for (const std::string name : {"24", "25", "26"}) {
    CHECK(pool.stored(name));
  }
  // The disc trees were laid out inside the staging dir and are gone.
  for (const auto& entry : fs::directory_iterator(pool.staging())) {
    CHECK_FALSE(entry.path().filename().string().starts_with(".cback-span"));
  }
}

TEST_CASE("A second span finds nothing left once every day is marked", "[integration][span]") {
  CBACK_REQUIRE_PART(readers_available());
  const SpanPool pool;
  REQUIRE(
      pool.run({"--yes", "--capacity", "800000", "--image-pattern", pool.pattern()}).exit_code ==
      0);
  check_images(pool, 1);
  fs::remove(pool.image(1));
  const RunResult again =
      pool.run({"--yes", "--capacity", "800000", "--image-pattern", pool.pattern()});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("already been written to disc") != std::string::npos);
  CHECK_FALSE(fs::exists(pool.image(1)));
}

TEST_CASE("The interactive span asks the original's questions and writes each disc on return",
          "[integration][span]") {
  CBACK_REQUIRE_PART(readers_available());
  const SpanPool pool;
  // Continue, config OK, continue, cushion 0, continue; "first" refused,
  // a bad choice, then "best" accepted; return for each of three discs.
  const std::string answers = "\n\ny\n0\n\nfirst\nn\nbogus\nbest\nY\n\n\n\n";
  const RunResult result =
      pool.answer(answers, {"--capacity", "400000", "--image-pattern", pool.pattern()});
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto& out = result.out;
  CHECK(out.find("Continue? [Y/n]: ") != std::string::npos);
  CHECK(out.find("Is this OK? [Y/n]: ") != std::string::npos);
  CHECK(out.find("What cushion percentage? [4.50]: ") != std::string::npos);
  CHECK(out.find("It will take at least 2 disc(s) to store your 735.35 KiB of data.") !=
        std::string::npos);
  CHECK(out.find("Using the \"first-fit\" algorithm") != std::string::npos);
  CHECK(out.find("Choice must be one of ['first', 'best', 'worst', 'alternate']") !=
        std::string::npos);
  CHECK(out.find("Using the \"best-fit\" algorithm") != std::string::npos);
  CHECK(out.find("Please place the first disc in your backup device.") != std::string::npos);
  CHECK(out.find("Please replace the disc in your backup device.") != std::string::npos);
  check_images(pool, 3);
  CHECK(pool.stored("24"));
}

TEST_CASE("Answering no stops the span before anything is written", "[integration][span]") {
  const SpanPool pool;
  const RunResult result = pool.answer("\nn\n", {"--image-pattern", pool.pattern()});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("Is this OK? [Y/n]: ") != std::string::npos);
  CHECK(result.out.find("indexing") == std::string::npos);
  CHECK_FALSE(fs::exists(pool.image(1)));
  CHECK_FALSE(pool.stored("24"));
}

TEST_CASE("Input that ends before an answer is an error", "[integration][span]") {
  const SpanPool pool;
  const RunResult result = pool.answer("\n\n", {"--image-pattern", pool.pattern()});
  CHECK(result.exit_code == 6);
  CHECK(result.out.find("No answer: the input ended.") != std::string::npos);
  CHECK_FALSE(pool.stored("24"));
}

TEST_CASE("A dry run shows the plan and writes nothing", "[integration][span]") {
  const SpanPool pool;
  const RunResult result = pool.run({"--yes", "--dry-run", "--algorithm", "alternate", "--capacity",
                                     "400000", "--image-pattern", pool.pattern()});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("Using the \"alternate-fit\" algorithm") != std::string::npos);
  CHECK(result.out.find("Dry run: nothing was written.") != std::string::npos);
  CHECK_FALSE(fs::exists(pool.image(1)));
  CHECK_FALSE(pool.stored("24"));
}

TEST_CASE("A file larger than a disc is a clear error and nothing is written",
          "[integration][span]") {
  const SpanPool pool;
  const RunResult result =
      pool.run({"--yes", "--capacity", "280000", "--image-pattern", pool.pattern()});
  CHECK(result.exit_code == 6);
  const std::string big = (pool.day("24") / "peer1/etc.tar").string();
  CHECK((result.out + result.err).find("File [" + big + "] cannot fit in capacity") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(pool.image(1)));
  CHECK_FALSE(pool.stored("25"));
}

TEST_CASE("Several discs to one image file without a pattern are refused before writing",
          "[integration][span]") {
  const SpanPool pool;
  const RunResult result = pool.run({"--yes", "--capacity", "400000"});
  CHECK(result.exit_code == 6);
  CHECK((result.out + result.err).find("give --image-pattern") != std::string::npos);
  CHECK_FALSE(fs::exists(pool.dir / "disc.iso"));
  CHECK_FALSE(pool.stored("24"));
}

TEST_CASE("A single disc goes to the configured target device", "[integration][span]") {
  CBACK_REQUIRE_PART(readers_available());
  const SpanPool pool;
  const RunResult result = pool.run({"--yes"});
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.find("Based on configuration, the capacity of your media is 650.00 MiB.") !=
        std::string::npos);
  const auto sessions = iso::toc(pool.dir / "disc.iso");
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0].volume_id == "CEDAR BACKUP SPAN 1 OF 1");
}

TEST_CASE("Bad switches and a bad configuration give cback's exit codes", "[integration][span]") {
  const SpanPool pool;
  CHECK(pool.run({"--algorithm", "fastest"}).exit_code == 2);
  CHECK(pool.run({"--cushion", "150"}).exit_code == 2);
  CHECK(pool.run({"--bogus"}).exit_code == 2);
  const RunResult missing = cback::test::run(cback_command(
      pool.dir / "none.toml", pool.dir / "span.log", {"--yes"}, tool_binary("cback-span")));
  CHECK(missing.exit_code == 4);
  const RunResult help = pool.run({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.err.find("--image-pattern") != std::string::npos);
}

} // namespace cback::test
