// cback-bench collect end to end: on a small tree it measures every
// archive mode, writes one CSV row per case and names a recommendation; a
// configured item is walked with its exclusions. No timing is asserted.

#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace cback::test {
namespace {

RunResult bench(const std::vector<std::string>& args, int expected = 0) {
  std::vector<std::string> argv{tool_binary("cback-bench"), "collect"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = run(argv);
  INFO(result.err);
  REQUIRE(result.exit_code == expected);
  return result;
}

/// A tree that compresses well and one file that does not.
void make_tree(const TempDir& dir) {
  for (int i = 0; i < 20; ++i) {
    dir.write("tree/text/" + std::to_string(i) + ".txt",
              std::string(20000, static_cast<char>('a' + i % 3)) + "line\n");
  }
  std::string noise;
  std::uint32_t x = 12345;
  for (int i = 0; i < 100000; ++i) {
    x = x * 1103515245 + 12345;
    noise.push_back(static_cast<char>(x >> 24));
  }
  dir.write("tree/noise.bin", noise);
  dir.write("tree/skip/big.txt", std::string(500000, 's'));
}

/// A configuration whose one collect item is dir/tree, without dir/tree/skip.
std::string config_text(const TempDir& dir) {
  return "[options]\n"
         "starting_day = \"monday\"\n"
         "working_dir = \"" +
         (dir / "work").string() +
         "\"\n"
         "backup_user = \"root\"\n"
         "backup_group = \"root\"\n"
         "rcp_command = \"/usr/bin/scp -B\"\n\n"
         "[collect]\n"
         "collect_dir = \"" +
         (dir / "collect").string() +
         "\"\n"
         "collect_mode = \"daily\"\n"
         "archive_mode = \"tar\"\n"
         "ignore_file = \".cbignore\"\n\n"
         "[[collect.dir]]\n"
         "abs_path = \"" +
         (dir / "tree").string() +
         "\"\n"
         "exclude = { rel_path = [\"skip\"] }\n";
}

std::vector<std::map<std::string, std::string>> csv_rows(const std::string& csv) {
  std::istringstream lines(csv);
  std::string line;
  std::vector<std::string> header;
  std::getline(lines, line);
  std::istringstream names(line);
  for (std::string name; std::getline(names, name, ',');) {
    header.push_back(name);
  }
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::map<std::string, std::string> row;
    std::size_t i = 0;
    for (std::string cell; std::getline(cells, cell, ',');) {
      REQUIRE(i < header.size());
      row[header[i++]] = cell;
    }
    CHECK(i == header.size());
    rows.push_back(row);
  }
  return rows;
}

TEST_CASE("bench collect measures every archive mode and recommends one",
          "[bench][bench_collect]") {
  TempDir dir;
  make_tree(dir);
  const auto result =
      bench({"--dir", (dir / "tree").string(), "--levels", "1,3", "--work", dir.path().string(),
             "--csv", (dir / "c.csv").string(), "--svg", (dir / "c.svg").string()});
  const auto rows = csv_rows(read_file(dir / "c.csv"));
  std::set<std::string> modes;
  int recommended = 0;
  std::string recommended_mode;
  for (const auto& row : rows) {
    modes.insert(row.at("archive_mode"));
    CHECK(std::stoull(row.at("input_bytes")) > 500000);
    CHECK(std::stoull(row.at("output_bytes")) > 0);
    if (row.at("recommended") == "1") {
      ++recommended;
      recommended_mode = row.at("archive_mode");
    }
  }
  CHECK(modes == std::set<std::string>{"tar", "targz", "tarbz2", "tarzst"});
  CHECK(rows.size() >= 5); // tar, targz, tarbz2, tarzst:1, tarzst:3 (+ other backends)
  CHECK(recommended == 1);
  INFO(result.out);
  CHECK(result.out.find("recommended_archive_mode: " + recommended_mode + "\n") !=
        std::string::npos);
  CHECK(result.out.find("recommendation: archive_mode = \"" + recommended_mode + "\"") !=
        std::string::npos);
  const auto svg = read_file(dir / "c.svg");
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.find(">tarzst:3 (") != std::string::npos);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  // The archives were written in --work and removed after.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    CHECK(entry.path().string().find("cback-bench-collect-") == std::string::npos);
  }
}

TEST_CASE("bench collect walks a configured item with its exclusions", "[bench][bench_collect]") {
  TempDir dir;
  make_tree(dir);
  dir.write("cback.toml", config_text(dir));
  const auto plain = bench(
      {"--dir", (dir / "tree").string(), "--levels", "1", "--csv", (dir / "plain.csv").string()});
  const auto item =
      bench({"--item", (dir / "tree").string() + "/", "-c", (dir / "cback.toml").string(),
             "--levels", "1", "--csv", (dir / "item.csv").string()});
  const auto all = csv_rows(read_file(dir / "plain.csv"));
  const auto excluded = csv_rows(read_file(dir / "item.csv"));
  REQUIRE(!all.empty());
  REQUIRE(!excluded.empty());
  CHECK(std::stoull(all.front().at("input_bytes")) -
            std::stoull(excluded.front().at("input_bytes")) ==
        500000);
}

TEST_CASE("bench collect needs a tree, and an item needs its configuration",
          "[bench][bench_collect]") {
  CHECK(bench({}, 2).err.find("--dir") != std::string::npos);
  CHECK(bench({"--item", "/x"}, 2).err.find("-c CONFIG") != std::string::npos);
  CHECK(bench({"--dir", "/", "--levels", "0"}, 2).err.find("--levels") != std::string::npos);
  TempDir dir;
  dir.write("cback.toml", config_text(dir));
  CHECK(
      bench({"--item", "/nowhere", "-c", (dir / "cback.toml").string()}, 4).err.find("/nowhere") !=
      std::string::npos);
}

} // namespace
} // namespace cback::test
