#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/process.hpp>
#include <cback/core/stop.hpp>
#include <cback/core/unique_fd.hpp>

#include "support/scoped_env.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace cback::core {

using Strings = std::vector<std::string>;
using Overrides = std::map<std::string, std::string>;
using namespace std::chrono_literals;

namespace {

// A runner with a logfile of its own (output log on) in a temp dir.
struct Fixture {
  cback::test::TempDir dir;
  std::ostringstream screen;
  Logger log;
  StopFlag stop;
  CommandRunner runner;

  explicit Fixture(PathResolver resolver = {}) : runner(log, stop, std::move(resolver)) {
    LogSettings settings;
    settings.logfile = dir / "cback.log";
    settings.screen = &screen;
    settings.output = true;
    log.configure(settings);
  }

  CommandResult run_all(Strings argv) {
    CommandRequest request;
    request.argv = std::move(argv);
    request.capture = Capture::all;
    return runner.run(request);
  }

  [[nodiscard]] std::string logfile() const { return cback::test::read_file(dir / "cback.log"); }
};

// Whether the process is gone (or a zombie nobody has reaped yet, which a
// container's init may leave behind).
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) {
    return true;
  }
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z';
}

/// SIGKILL is delivered asynchronously: a killed process may still be
/// scheduled for a moment after kill() returns, the more so on a loaded
/// machine. Polls until it is gone, up to 10 s.
bool process_dies(pid_t pid) {
  for (int i = 0; i < 1000 && !process_gone(pid); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  return process_gone(pid);
}

pid_t read_pid(const std::filesystem::path& path) {
  return static_cast<pid_t>(std::stol(cback::test::read_file(path)));
}

bool wait_for_file(const std::filesystem::path& path) {
  for (int i = 0; i < 1000 && !std::filesystem::exists(path); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  return std::filesystem::exists(path);
}

} // namespace

TEST_CASE("split_command_line splits on spaces and groups with double quotes only",
          "[core][process]") {
  CHECK(split_command_line("cback3 --verbose stage store") ==
        Strings{"cback3", "--verbose", "stage", "store"});
  CHECK(split_command_line("  a   b  ") == Strings{"a", "b"});
  CHECK(split_command_line("").empty());
  CHECK(split_command_line("   ").empty());
  CHECK(split_command_line(R"(/usr/bin/ssh -i "/root/my key" host)") ==
        Strings{"/usr/bin/ssh", "-i", "/root/my key", "host"});
  CHECK(split_command_line(R"(a"b c"d)") == Strings{"a", "b c", "d"});
  CHECK(split_command_line("echo 'a b' $(x) \\y") == Strings{"echo", "'a", "b'", "$(x)", "\\y"});
  CHECK(split_command_line("a\tb c") == Strings{"a\tb", "c"});
  CHECK(split_command_line(R"(x "" y)") == Strings{"x", "y"});
  CHECK(split_command_line(R"(x "unterminated y)") == Strings{"x", "unterminated", "y"});
  CHECK(split_command_line(R"("" abc")") == Strings{" abc"});
}

TEST_CASE("The path resolver maps argv[0] through the overrides", "[core][process]") {
  const PathResolver resolver(Overrides{{"cdrecord", "/usr/bin/wodim"}});
  CHECK(resolver.resolve("cdrecord") == "/usr/bin/wodim");
  CHECK(resolver.resolve("mkisofs") == "mkisofs");

  Fixture fixture(PathResolver(Overrides{{"frobnicate", "/bin/echo"}}));
  const auto result = fixture.run_all({"frobnicate", "resolved"});
  CHECK(result.exit_status == 0);
  CHECK(result.output == Strings{"resolved"});
  CHECK(fixture.logfile().find("Executing command ['/bin/echo'] with args ['resolved'].\n") !=
        std::string::npos);
}

TEST_CASE("Arguments reach the program literally, without a shell", "[core][process]") {
  Fixture fixture;
  const std::string tricky = "a b $(echo hi) `id` ; | * \"q\" 'q' \\";
  const auto result = fixture.run_all({"printf", "%s\\n", tricky});
  CHECK(result.exit_status == 0);
  CHECK(result.output == Strings{tricky});
  CHECK(result.tail == Strings{tricky});
}

TEST_CASE("The child sees no LC_* variables and LANG=C only if LANG was set", "[core][process]") {
  Fixture fixture;
  const cback::test::ScopedEnv lc_all("LC_ALL", "fr_FR.UTF-8");
  const cback::test::ScopedEnv lc_time("LC_TIME", "de_DE.UTF-8");
  const cback::test::ScopedEnv lc_other("LC_SOMETHING_NEW", "x");
  SECTION("LANG set") {
    const cback::test::ScopedEnv lang("LANG", "en_US.UTF-8");
    const auto result = fixture.run_all({"env"});
    CHECK(std::count(result.output.begin(), result.output.end(), "LANG=C") == 1);
    CHECK(std::none_of(result.output.begin(), result.output.end(),
                       [](const std::string& line) { return line.starts_with("LC_"); }));
    CHECK(std::string(std::getenv("LANG")) == "en_US.UTF-8"); // our own is untouched
  }
  SECTION("LANG unset") {
    const cback::test::ScopedEnv lang("LANG", nullptr);
    const auto result = fixture.run_all({"env"});
    CHECK(std::none_of(result.output.begin(), result.output.end(), [](const std::string& line) {
      return line.starts_with("LC_") || line.starts_with("LANG=");
    }));
  }
}

TEST_CASE("The exit status is the program's, or 128+N when killed by signal N", "[core][process]") {
  Fixture fixture;
  CHECK(fixture.run_all({"true"}).exit_status == 0);
  CHECK(fixture.run_all({"sh", "-c", "exit 3"}).exit_status == 3);
  CHECK(fixture.run_all({"sh", "-c", "kill -9 $$"}).exit_status == 128 + 9);
}

TEST_CASE("stderr is merged into the output or discarded", "[core][process]") {
  Fixture fixture;
  CommandRequest request;
  request.argv = {"sh", "-c", "echo out; sleep 0.05; echo err >&2"};
  request.capture = Capture::all;
  SECTION("merge") {
    CHECK(fixture.runner.run(request).output == Strings{"out", "err"});
  }
  SECTION("discard") {
    request.stderr_mode = Stderr::discard;
    CHECK(fixture.runner.run(request).output == Strings{"out"});
  }
}

TEST_CASE("With stdout_fd, stdout goes to the fd and stderr to the log", "[core][process]") {
  Fixture fixture;
  const auto dump = fixture.dir / "dump.sql";
  const cback::core::UniqueFd fd(
      ::open(dump.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  REQUIRE(fd);
  CommandRequest request;
  request.argv = {"sh", "-c", "echo data; echo warning >&2"};
  request.stdout_fd = fd.get();
  const auto result = fixture.runner.run(request);
  CHECK(result.exit_status == 0);
  CHECK(result.tail == Strings{"warning"});
  CHECK(cback::test::read_file(dump) == "data\n");
  const auto log = fixture.logfile();
  CHECK(log.find("\nwarning\n") != std::string::npos);
  CHECK(log.find("\ndata\n") == std::string::npos);
}

TEST_CASE("With stdin_fd, the child reads the fd; without it, /dev/null", "[core][process]") {
  Fixture fixture;
  SECTION("stdin_fd") {
    const auto input = fixture.dir.write("input.txt", "first\nsecond\n");
    const cback::core::UniqueFd fd(::open(input.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd);
    CommandRequest request;
    request.argv = {"cat"};
    request.stdin_fd = fd.get();
    request.capture = Capture::all;
    const auto result = fixture.runner.run(request);
    CHECK(result.exit_status == 0);
    CHECK(result.output == Strings{"first", "second"});
  }
  SECTION("no stdin_fd") {
    CHECK(fixture.run_all({"cat"}).output.empty());
  }
}

TEST_CASE("100 000 lines of output are all read and logged, the last 10 kept", "[core][process]") {
  Fixture fixture;
  const auto result = fixture.run_all({"seq", "100000"});
  CHECK(result.exit_status == 0);
  REQUIRE(result.output.size() == 100000);
  CHECK(result.output.back() == "100000");
  REQUIRE(result.tail.size() == 10);
  CHECK(result.tail.front() == "99991");
  CHECK(result.tail.back() == "100000");
  std::istringstream log(fixture.logfile());
  std::size_t lines = 0;
  for (std::string line; std::getline(log, line);) {
    ++lines;
  }
  CHECK(lines == 100000 + 1); // and the "Executing command" line
}

TEST_CASE("A last line without a newline is still a line", "[core][process]") {
  Fixture fixture;
  CHECK(fixture.run_all({"printf", "one\ntwo"}).output == Strings{"one", "two"});
}

TEST_CASE("The child runs in the requested directory with stdin from /dev/null",
          "[core][process]") {
  Fixture fixture;
  CommandRequest request;
  request.argv = {"pwd"};
  request.cwd = fixture.dir.path();
  request.capture = Capture::all;
  CHECK(fixture.runner.run(request).output == Strings{fixture.dir.path().string()});
  CHECK(fixture.run_all({"cat"}).exit_status == 0); // EOF at once, no hang
}

TEST_CASE("The child inherits no file descriptor but 0, 1 and 2", "[core][process]") {
  Fixture fixture;
  const cback::core::UniqueFd leaked(::open("/dev/null", O_RDONLY)); // no O_CLOEXEC
  REQUIRE(leaked);
  const auto result = fixture.run_all({"sh", "-c", "ls /proc/$$/fd; :"});
  CHECK(result.exit_status == 0);
  CHECK(result.output == Strings{"0", "1", "2"});
}

TEST_CASE("A program that cannot be executed gives 127 and says why", "[core][process]") {
  Fixture fixture;
  const auto result = fixture.run_all({"no-such-program-cback-test", "x"});
  CHECK(result.exit_status == 127);
  REQUIRE(result.tail.size() == 1);
  CHECK(result.tail[0] == "Cannot execute [no-such-program-cback-test]: No such file or directory");
  CHECK(fixture.logfile().find("Cannot execute [no-such-program-cback-test]") != std::string::npos);
}

TEST_CASE("An invalid stdout_fd is reported like a failed exec", "[core][process]") {
  Fixture fixture;
  CommandRequest request;
  request.argv = {"echo", "lost"};
  request.stdout_fd = -1;
  const auto result = fixture.runner.run(request);
  CHECK(result.exit_status == 127);
  CHECK(result.tail == Strings{"Cannot execute [echo]: Bad file descriptor"});
}

TEST_CASE("An empty command is an error", "[core][process]") {
  Fixture fixture;
  CHECK_THROWS_AS(fixture.run_all({}), cback::Error);
}

TEST_CASE("A timeout kills the child's whole process group", "[core][process]") {
  Fixture fixture;
  const auto pid_file = fixture.dir / "sleeper.pid";
  CommandRequest request;
  request.argv = {"sh", "-c",
                  "sleep 60 & echo $! > '" + pid_file.string() + "'; echo started; wait"};
  request.timeout = 300ms;
  request.kill_grace = 2s;
  const auto result = fixture.runner.run(request);
  CHECK(result.timed_out);
  CHECK(result.exit_status == 128 + SIGTERM);
  REQUIRE(result.tail.size() == 2);
  CHECK(result.tail[0] == "started");
  CHECK(result.tail[1].find("timed out") != std::string::npos);
  REQUIRE(std::filesystem::exists(pid_file));
  CHECK(process_dies(read_pid(pid_file)));
}

TEST_CASE("A child that ignores SIGTERM is killed after the grace period", "[core][process]") {
  Fixture fixture;
  CommandRequest request;
  request.argv = {"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"};
  request.timeout = 200ms;
  request.kill_grace = 200ms;
  const auto result = fixture.runner.run(request);
  CHECK(result.timed_out);
  CHECK(result.exit_status == 128 + SIGKILL);
}

TEST_CASE("A stop request kills the child's group and throws 'interrupted'", "[core][process]") {
  Fixture fixture;
  const auto pid_file = fixture.dir / "child.pid";
  std::jthread stopper([&] {
    if (wait_for_file(pid_file)) {
      fixture.stop.request();
    }
  });
  CommandRequest request;
  request.argv = {"sh", "-c", "echo $$ > '" + pid_file.string() + "'; sleep 60"};
  try {
    (void)fixture.runner.run(request);
    FAIL("run() did not throw");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::interrupted);
    CHECK(std::string(error.what()) == "Backup interrupted.");
  }
  REQUIRE(std::filesystem::exists(pid_file));
  CHECK(process_gone(read_pid(pid_file)));
}

TEST_CASE("SIGTERM to cback stops a running command through the installed handlers",
          "[core][process][stop]") {
  Fixture fixture;
  cback::core::install_stop_handlers(fixture.stop);
  const auto pid_file = fixture.dir / "child.pid";
  std::jthread signaller([&] {
    if (wait_for_file(pid_file)) {
      ::kill(::getpid(), SIGTERM);
    }
  });
  CommandRequest request;
  request.argv = {"sh", "-c", "echo $$ > '" + pid_file.string() + "'; sleep 60"};
  CHECK_THROWS_WITH(fixture.runner.run(request), "Backup interrupted.");
  cback::core::remove_stop_handlers();
  CHECK(fixture.stop.requested());
}

TEST_CASE("A stop requested before the run starts nothing", "[core][process]") {
  Fixture fixture;
  fixture.stop.request();
  const auto marker = fixture.dir / "ran";
  CHECK_THROWS_WITH(fixture.run_all({"touch", marker.string()}), "Backup interrupted.");
  CHECK_FALSE(std::filesystem::exists(marker));
}

} // namespace cback::core
