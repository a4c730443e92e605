// Two runs on one working directory: the second is refused while the first
// holds the run lock.

#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

using cback::test::cback_binary;
using cback::test::run;
using cback::test::RunOptions;
using cback::test::RunResult;
using cback::test::TempDir;
namespace fs = std::filesystem;

namespace {

bool wait_for(const fs::path& path) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!fs::exists(path)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

} // namespace

TEST_CASE("A second run is refused while the first holds the lock", "[integration][cli]") {
  TempDir dir;
  fs::create_directories(dir / "work");
  fs::create_directories(dir / "purge");
  const auto started = dir / "first-started";
  const auto second_done = dir / "second-done";
  const auto config = dir.write("cback.toml", fmt::format(R"([reference]
author = "tests"

[options]
starting_day = "monday"
working_dir = "{}"
backup_user = "root"
backup_group = "root"
rcp_command = "/usr/bin/scp -B"

[[options.pre_action_hook]]
action = "purge"
command = '/bin/sh -c "touch {}; exec sleep 30"'

[purge]
[[purge.dir]]
abs_path = "{}"
retain_days = 7
)",
                                                          (dir / "work").string(), started.string(),
                                                          (dir / "purge").string()));
  // The first run sleeps in its hook until the second has finished, then
  // is stopped with SIGTERM.
  RunOptions first_options;
  first_options.signal = SIGTERM;
  first_options.signal_when_exists = second_done;
  auto first = std::async(std::launch::async, [&] {
    return run({cback_binary(), "-c", config.string(), "-l", (dir / "first.log").string(), "purge"},
               first_options);
  });
  REQUIRE(wait_for(started));
  const RunResult second =
      run({cback_binary(), "-c", config.string(), "-l", (dir / "second.log").string(), "purge"});
  std::ofstream(second_done).put('\n');
  const RunResult first_result = first.get();

  CHECK(second.exit_code != 0);
  CHECK(second.out.find("Error executing backup: ") != std::string::npos);
  CHECK(second.out.find("Another cback run (pid ") != std::string::npos);
  CHECK(first_result.exit_code == 5);
}
