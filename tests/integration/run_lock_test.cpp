// Two runs on one working directory: the second is refused while the first
// holds the run lock.

#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

namespace fs = std::filesystem;

namespace cback::test {

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
  Pool pool;
  const auto& dir = pool.dir;
  const auto started = dir / "first-started";
  const auto second_done = dir / "second-done";
  const auto config = pool.configure(
      toml_head(pool.make_dir("work"),
                pre_action_hook("purge", fmt::format("/bin/sh -c \"touch {}; exec sleep 30\"",
                                                     started.string()))) +
      purge_table(pool.make_dir("purge")));
  // The first run sleeps in its hook until the second has finished, then
  // is stopped with SIGTERM.
  RunOptions first_options;
  first_options.signal = SIGTERM;
  first_options.signal_when_exists = second_done;
  auto first = std::async(std::launch::async, [&] {
    return run(cback_command(config, dir / "first.log", {"purge"}), first_options);
  });
  REQUIRE(wait_for(started));
  const RunResult second = run(cback_command(config, dir / "second.log", {"purge"}));
  std::ofstream(second_done).put('\n');
  const RunResult first_result = first.get();

  CHECK(second.exit_code != 0);
  CHECK(second.out.find("Error executing backup: ") != std::string::npos);
  CHECK(second.out.find("Another cback run (pid ") != std::string::npos);
  CHECK(first_result.exit_code == 5);
}

} // namespace cback::test
