#include <cback/core/log.hpp>
#include <cback/core/progress.hpp>

#include "support/fake_clock.hpp"
#include "support/screen.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace cback::core {
namespace {

using namespace std::chrono_literals;
using test::screen_of;

ProgressSettings live_settings(test::FakeClock& clock) {
  ProgressSettings settings;
  settings.display = ProgressDisplay::live;
  settings.redraw = 250ms;
  settings.columns = 60;
  settings.clock = &clock;
  return settings;
}

constexpr std::uint64_t k_mib = 1024 * 1024;

TEST_CASE("Byte counts read in IEC units", "[core][progress]") {
  CHECK(display_bytes(0) == "0 B");
  CHECK(display_bytes(512) == "512 B");
  CHECK(display_bytes(1536) == "1.50 KiB");
  CHECK(display_bytes(3.25 * 1024 * 1024) == "3.25 MiB");
  CHECK(display_bytes(681574400.0) == "650.00 MiB");
  CHECK(display_bytes(4.5 * 1024 * 1024 * 1024) == "4.50 GiB");
  CHECK(display_bytes(2.0 * 1024 * 1024 * 1024 * 1024) == "2.00 TiB");
  CHECK(display_bytes(-1536) == "-1.50 KiB");
  CHECK(display_bytes(std::uint64_t{49} * k_mib) == "49.00 MiB");
  CHECK(display_rate(1.5 * 1024 * 1024) == "1.50 MiB/s");
}

TEST_CASE("Durations read as minutes and seconds, with hours when long", "[core][progress]") {
  CHECK(display_duration(0s) == "0:00");
  CHECK(display_duration(7s) == "0:07");
  CHECK(display_duration(std::chrono::duration<double>(725.4)) == "12:05");
  CHECK(display_duration(3723s) == "1:02:03");
}

TEST_CASE("A job line shows bytes, share, rate and time left when the total is known",
          "[core][progress]") {
  CHECK(ProgressBoard::line_of("store", k_mib, 4 * k_mib, 2s, "FIFO 50%") ==
        "store: 1.00 MiB of 4.00 MiB (25%), 512.00 KiB/s, ETA 0:06, FIFO 50%");
  CHECK(ProgressBoard::line_of("/etc", 3 * k_mib, 0, 1s, "12 entries") ==
        "/etc: 3.00 MiB, 3.00 MiB/s, 12 entries");
  // Before any time has passed there is no rate, so no time left either.
  CHECK(ProgressBoard::line_of("store", 0, 4 * k_mib, 0s, "") == "store: 0 B of 4.00 MiB (0%)");
  CHECK(ProgressBoard::line_of("store", 4 * k_mib, 4 * k_mib, 4s, "") ==
        "store: 4.00 MiB of 4.00 MiB (100%), 1.00 MiB/s");
}

TEST_CASE("On a terminal each running job has one line, redrawn in place", "[core][progress]") {
  test::FakeClock clock;
  std::ostringstream terminal;
  ProgressBoard board(terminal, live_settings(clock));
  auto etc = board.start("/etc");
  auto home = board.start("/home", 10 * k_mib);
  clock.advance(1s);
  etc.update(2 * k_mib, "5 entries");
  clock.advance(1s);
  home.update(5 * k_mib);
  CHECK(screen_of(terminal.str()) ==
        std::vector<std::string>{"/etc: 2.00 MiB, 1.00 MiB/s, 5 entries",
                                 "/home: 5.00 MiB of 10.00 MiB (50%), 2.50 MiB/s, ETA 0:02"});
}

TEST_CASE("Redraws come at most once in the redraw interval", "[core][progress]") {
  test::FakeClock clock;
  std::ostringstream terminal;
  ProgressBoard board(terminal, live_settings(clock));
  auto job = board.start("/etc");
  clock.advance(1s);
  job.update(k_mib);
  const std::string drawn = terminal.str();
  clock.advance(100ms);
  job.update(2 * k_mib);
  job.update(3 * k_mib);
  CHECK(terminal.str() == drawn);
  clock.advance(150ms);
  job.update(4 * k_mib);
  CHECK(terminal.str() != drawn);
  CHECK(screen_of(terminal.str()) == std::vector<std::string>{"/etc: 4.00 MiB, 3.20 MiB/s"});
}

TEST_CASE("A line printed while jobs are shown goes above them, and they are redrawn",
          "[core][progress]") {
  test::FakeClock clock;
  std::ostringstream terminal;
  ProgressBoard board(terminal, live_settings(clock));
  board.print("Starting.");
  auto a = board.start("a");
  auto b = board.start("b");
  clock.advance(1s);
  a.update(1024);
  board.print("A log line.");
  CHECK(screen_of(terminal.str()) ==
        std::vector<std::string>{"Starting.", "A log line.", "a: 1.00 KiB, 1.00 KiB/s", "b: 0 B"});
}

TEST_CASE("A finished job's line goes, or stays as an ordinary line when kept",
          "[core][progress]") {
  test::FakeClock clock;
  std::ostringstream terminal;
  ProgressBoard board(terminal, live_settings(clock));
  auto kept = board.start("kept");
  auto dropped = board.start("dropped");
  auto running = board.start("running");
  clock.advance(2s);
  kept.update(2048);
  kept.finish(FinalLine::keep);
  dropped.finish();
  board.print("after");
  CHECK(screen_of(terminal.str()) ==
        std::vector<std::string>{"kept: 2.00 KiB, 1.00 KiB/s", "after", "running: 0 B"});
  CHECK_FALSE(kept.active());
  running.finish();
  CHECK(screen_of(terminal.str()) ==
        std::vector<std::string>{"kept: 2.00 KiB, 1.00 KiB/s", "after"});
}

TEST_CASE("A job line longer than the terminal is cut to fit, by characters", "[core][progress]") {
  test::FakeClock clock;
  std::ostringstream terminal;
  ProgressSettings settings = live_settings(clock);
  settings.columns = 12;
  ProgressBoard board(terminal, settings);
  auto job = board.start("äöüäöüäöüäöüäöü");
  const auto screen = screen_of(terminal.str());
  REQUIRE(screen.size() == 1);
  CHECK(screen[0] == "äöüäöüäöüäö");
}

TEST_CASE("Off a terminal a job sends a plain line to the log now and then, and nothing to "
          "the screen",
          "[core][progress]") {
  test::FakeClock clock;
  std::ostringstream screen;
  std::vector<std::string> logged;
  ProgressSettings settings;
  settings.display = ProgressDisplay::log_lines;
  settings.log_every = 60s;
  settings.clock = &clock;
  ProgressBoard board(screen, settings, [&](const std::string& line) { logged.push_back(line); });
  auto job = board.start("store [stdio:/tmp/x.iso]", 100 * k_mib);
  clock.advance(30s);
  job.update(30 * k_mib);
  CHECK(logged.empty());
  clock.advance(30s);
  job.update(60 * k_mib);
  clock.advance(1s);
  job.update(61 * k_mib);
  board.print("not shown");
  job.finish(FinalLine::keep);
  CHECK(logged == std::vector<std::string>{"store [stdio:/tmp/x.iso]: 60.00 MiB of 100.00 MiB "
                                           "(60%), 1.00 MiB/s, ETA 0:40"});
  CHECK(screen.str().empty());
}

TEST_CASE("A board that is off shows nothing and logs nothing", "[core][progress]") {
  std::ostringstream screen;
  int logged = 0;
  ProgressBoard board(screen, ProgressSettings{}, [&](const std::string&) { ++logged; });
  auto job = board.start("x", 10);
  CHECK_FALSE(job.active());
  job.update(5);
  board.print("line");
  CHECK(screen.str().empty());
  CHECK(logged == 0);
}

TEST_CASE("The log's screen lines go above the progress lines while the board shares the screen",
          "[core][progress][log]") {
  test::TempDir tmp;
  test::FakeClock clock;
  std::ostringstream terminal;
  Logger log;
  LogSettings settings;
  settings.logfile = tmp / "cback.log";
  settings.verbose = true;
  settings.screen = &terminal;
  log.configure(settings);
  ProgressBoard board(terminal, live_settings(clock));
  {
    const SharedScreen shared(log, board);
    auto job = board.start("/etc");
    log.info("Collecting /etc.");
    clock.advance(1s);
    job.update(k_mib);
    log.warning("A file vanished.");
    CHECK(screen_of(terminal.str()) == std::vector<std::string>{"Collecting /etc.",
                                                                "A file vanished.",
                                                                "/etc: 1.00 MiB, 1.00 MiB/s"});
  }
  log.info("After the board.");
  CHECK(screen_of(terminal.str()) ==
        std::vector<std::string>{"Collecting /etc.", "A file vanished.", "After the board."});
}

} // namespace
} // namespace cback::core
