#include <cback/core/perf.hpp>

#include "support/text.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

namespace cback::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::lines_of;

PerfSample measured(seconds walk, seconds write, std::uint64_t in, std::uint64_t out,
                    std::uint64_t files) {
  PerfSample result;
  result.walk = walk;
  result.write = write;
  result.bytes_in = in;
  result.bytes_out = out;
  result.files = files;
  return result;
}

TEST_CASE("The perf table has a row per name and a total per stage", "[core][perf]") {
  PerfRecorder perf;
  constexpr std::uint64_t k_mib = 1024 * 1024;
  perf.add("collect", "/etc", measured(seconds{1}, seconds{2}, 8 * k_mib, 2 * k_mib, 10));
  perf.add("collect", "/home/anna", measured(seconds{0}, seconds{4}, 4 * k_mib, k_mib, 3));
  perf.add_stage_wall("collect", seconds{4});
  PerfSample purged;
  purged.files = 5;
  purged.dirs = 2;
  perf.add("purge", "/var/backup", purged);

  const auto lines = lines_of(perf.format_table());
  REQUIRE(lines.size() == 9);
  CHECK(lines[0] == "Performance of collect:");
  CHECK(lines[1] == "name          walk s   write s            in           out     MiB/s     "
                    "files    dirs");
  CHECK(lines[2] == "/etc           1.000     2.000      8.00 MiB      2.00 MiB       4.0     "
                    "   10       0");
  CHECK(lines[3] == "/home/anna     0.000     4.000      4.00 MiB      1.00 MiB       1.0     "
                    "    3       0");
  // The total: summed walk, the stage's wall time, 12 MiB over 4 s.
  CHECK(lines[4] == "total          1.000     4.000     12.00 MiB      3.00 MiB       3.0     "
                    "   13       0");
  CHECK(lines[5] == "Performance of purge:");
  CHECK(lines[7].starts_with("/var/backup"));
  CHECK(lines[7].ends_with("-         5       2"));
  CHECK(lines[8].starts_with("total"));
}

TEST_CASE("Samples for the same name add up", "[core][perf]") {
  PerfRecorder perf;
  CHECK(perf.empty());
  CHECK(perf.format_table().empty());
  perf.add("collect", "/etc", measured(seconds{1}, seconds{1}, 100, 10, 1));
  perf.add("collect", "/etc", measured(seconds{2}, seconds{3}, 50, 5, 2));
  const auto rows = perf.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].sample.walk == seconds{3});
  CHECK(rows[0].sample.write == seconds{4});
  CHECK(rows[0].sample.bytes_in == 150);
  CHECK(rows[0].sample.bytes_out == 15);
  CHECK(rows[0].sample.files == 3);
}

TEST_CASE("The run's summary names each action with its bytes and files", "[core][perf]") {
  PerfRecorder perf;
  constexpr std::uint64_t k_mib = 1024 * 1024;
  perf.add("collect", "/etc", measured(seconds{1}, seconds{2}, 8 * k_mib, 2 * k_mib, 10));
  perf.add("collect", "/home", measured(seconds{1}, seconds{2}, 4 * k_mib, k_mib, 3));
  perf.add("store", "/staging/2026/11/24", measured(seconds{0}, seconds{3}, 3 * k_mib, 0, 5));
  CHECK(perf.summary("succeeded", seconds{75}, {"collect", "validate", "store"}) ==
        "Run succeeded in 1:15: collect 12.00 MiB in 13 files, validate, store 3.00 MiB in 5 "
        "files");
  CHECK(perf.summary("failed (exit 6)", seconds{2}, {}) == "Run failed (exit 6) in 0:02");
}

TEST_CASE("Several threads can record at once without losing a sample", "[core][perf]") {
  PerfRecorder perf;
  constexpr int k_threads = 8;
  constexpr int k_samples = 500;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < k_threads; ++t) {
      threads.emplace_back([&perf, t] {
        for (int i = 0; i < k_samples; ++i) {
          perf.add("collect", "item " + std::to_string(t % 2),
                   measured(seconds{0}, seconds{0}, 1, 1, 1));
          perf.add_stage_wall("collect", milliseconds{1});
          (void)perf.format_table();
        }
      });
    }
  }
  const auto rows = perf.rows();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].sample.bytes_in + rows[1].sample.bytes_in == k_threads * k_samples);
  CHECK(rows[0].sample.files + rows[1].sample.files == k_threads * k_samples);
}

} // namespace
} // namespace cback::core
