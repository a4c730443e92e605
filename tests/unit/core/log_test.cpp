#include <cback/core/error.hpp>
#include <cback/core/log.hpp>

#include "support/logged_dir.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <fcntl.h>
#include <optional>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using cback::core::Logger;
using cback::core::LogLevel;
using cback::core::LogSettings;
using cback::test::lines_of;

namespace {

bool contains_line_ending(const std::vector<std::string>& lines, const std::string& end) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.ends_with(end); });
}

// One message per level and one output line, then what reached where.
struct Seen {
  std::string levels_in_file;   // e.g. "DIWEC"
  std::string levels_on_screen; // e.g. "EC"
  bool output_in_file = false;
};

Seen log_everything(const LogSettings& base, const cback::test::TempDir& dir) {
  std::ostringstream screen;
  LogSettings settings = base;
  settings.logfile = dir / "cback.log";
  settings.screen = &screen;
  Logger log;
  log.configure(settings);
  log.debug("message D");
  log.info("message I");
  log.warning("message W");
  log.error("message E");
  log.critical("message C");
  log.output("raw output line");
  log.flush();

  Seen seen;
  const auto file = lines_of(cback::test::read_file(settings.logfile));
  const auto shown = lines_of(screen.str());
  for (const char level : std::string("DIWEC")) {
    const std::string message = std::string("message ") + level;
    if (contains_line_ending(file, "] " + message)) {
      seen.levels_in_file += level;
    }
    if (std::find(shown.begin(), shown.end(), message) != shown.end()) {
      seen.levels_on_screen += level;
    }
  }
  seen.output_in_file = std::find(file.begin(), file.end(), "raw output line") != file.end();
  return seen;
}

LogSettings mode(bool verbose, bool quiet, bool debug, bool output) {
  LogSettings settings;
  settings.verbose = verbose;
  settings.quiet = quiet;
  settings.debug = debug;
  settings.output = output;
  return settings;
}

// A logfile flow line taken apart: `DATE ZONE --> [LEVEL  ] message`.
// (Hand-written: GCC 12 warns inside <regex> under the sanitizers.)
struct FlowLine {
  std::string zone;
  std::string level; // with its padding
  std::string message;
};

std::optional<FlowLine> parse_flow_line(const std::string& line) {
  const std::string date_shape = "dddd-dd-ddTdd:dd:dd ";
  if (line.size() < date_shape.size()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < date_shape.size(); ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(line[i])) != 0;
    if (date_shape[i] == 'd' ? !digit : line[i] != date_shape[i]) {
      return std::nullopt;
    }
  }
  const auto arrow = line.find(" --> [", date_shape.size());
  const auto close = line.find("] ", arrow == std::string::npos ? line.size() : arrow);
  if (arrow == std::string::npos || close == std::string::npos) {
    return std::nullopt;
  }
  return FlowLine{line.substr(date_shape.size(), arrow - date_shape.size()),
                  line.substr(arrow + 6, close - arrow - 6), line.substr(close + 2)};
}

// Sets TZ for one test and puts it back.
class ScopedTimeZone {
public:
  explicit ScopedTimeZone(const char* zone) {
    if (const char* old = std::getenv("TZ"); old != nullptr) {
      m_old = old;
    }
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  ~ScopedTimeZone() {
    if (m_old) {
      ::setenv("TZ", m_old->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  ScopedTimeZone(const ScopedTimeZone&) = delete;
  ScopedTimeZone& operator=(const ScopedTimeZone&) = delete;

private:
  std::optional<std::string> m_old;
};

} // namespace

TEST_CASE("Each mode sends each level to the file, the screen and the output log as the "
          "original does",
          "[core][log]") {
  struct Row {
    const char* name;
    LogSettings settings;
    const char* file;
    const char* screen;
    bool output;
  };
  const std::vector<Row> matrix = {
      {"default", mode(false, false, false, false), "IWEC", "EC", false},
      {"-q", mode(false, true, false, false), "IWEC", "", false},
      {"-b", mode(true, false, false, false), "IWEC", "IWEC", false},
      {"-b -d", mode(true, false, true, false), "DIWEC", "DIWEC", true},
      {"-d", mode(false, false, true, false), "DIWEC", "EC", true},
      {"-O", mode(false, false, false, true), "IWEC", "EC", true},
      {"-q -b", mode(true, true, false, false), "IWEC", "", false},
      {"-q -d", mode(false, true, true, false), "DIWEC", "", true},
  };
  for (const auto& row : matrix) {
    INFO("mode " << row.name);
    const cback::test::TempDir dir; // outlives the checks, so kept if one fails
    const Seen seen = log_everything(row.settings, dir);
    CHECK(seen.levels_in_file == row.file);
    CHECK(seen.levels_on_screen == row.screen);
    CHECK(seen.output_in_file == row.output);
  }
}

TEST_CASE("A logfile line has the original's timestamp, zone and padded level", "[core][log]") {
  ScopedTimeZone utc("UTC");
  cback::test::LoggedDir logged(mode(false, false, true, false));
  auto& [dir, screen, log] = logged;
  log.debug("d {}", 1);
  log.info("Cedar Backup run started.");
  log.warning("w");
  log.error("e");
  log.critical("c");
  log.output("  raw, kept as it is  ");

  const auto lines = lines_of(cback::test::read_file(logged.logfile()));
  REQUIRE(lines.size() == 6);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"DEBUG  ", "d 1"}, {"INFO   ", "Cedar Backup run started."},
      {"WARNING", "w"},   {"ERROR  ", "e"},
      {"CRITICAL", "c"},
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(lines[i]);
    const auto parsed = parse_flow_line(lines[i]);
    REQUIRE(parsed);
    CHECK(parsed->zone == "UTC");
    CHECK(parsed->level == expected[i].first);
    CHECK(parsed->message == expected[i].second);
  }
  CHECK(lines[5] == "  raw, kept as it is  ");
  CHECK(screen.str() == "e\nc\n");
}

TEST_CASE("The logfile is appended to, never truncated", "[core][log]") {
  cback::test::TempDir dir;
  const auto path = dir.write("cback.log", "earlier line\n");
  std::ostringstream screen;
  LogSettings settings;
  settings.logfile = path;
  settings.screen = &screen;
  Logger log;
  log.configure(settings);
  log.info("later line");
  const auto lines = lines_of(cback::test::read_file(path));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "earlier line");
  CHECK(lines[1].ends_with("] later line"));
}

TEST_CASE("A new logfile gets exactly the given mode and owner; an existing one keeps its own",
          "[core][log]") {
  cback::test::TempDir dir;
  std::ostringstream screen;
  LogSettings settings;
  settings.screen = &screen;
  settings.owner_user = "nobody";
  settings.owner_group = "nogroup";

  SECTION("new file: the mode ignores the umask") {
    settings.logfile = dir / "new.log";
    settings.mode = 0662;
    const mode_t old_umask = ::umask(022);
    Logger log;
    log.configure(settings);
    ::umask(old_umask);
    struct stat info {};
    REQUIRE(::stat(settings.logfile.c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0662);
    if (::geteuid() == 0) {
      CHECK(info.st_uid == 65534);
      CHECK(info.st_gid == 65534);
    } else {
      CHECK(info.st_uid == ::geteuid());
    }
  }
  SECTION("existing file: mode and owner untouched") {
    settings.logfile = dir.write("old.log", "");
    REQUIRE(::chmod(settings.logfile.c_str(), 0600) == 0);
    settings.mode = 0644;
    Logger log;
    log.configure(settings);
    struct stat info {};
    REQUIRE(::stat(settings.logfile.c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0600);
    CHECK(info.st_uid == ::geteuid());
  }
  SECTION("unknown owner: the file is still created and the error is logged") {
    settings.logfile = dir / "unowned.log";
    settings.owner_user = "no-such-user-cback";
    Logger log;
    log.configure(settings);
    log.info("still logging");
    const auto text = cback::test::read_file(settings.logfile);
    CHECK(text.find("[ERROR  ] Error changing ownership of [" + settings.logfile.string() +
                    "] to no-such-user-cback:nogroup: Unable to look up user "
                    "[no-such-user-cback]: no such user\n") != std::string::npos);
    CHECK(text.ends_with("] still logging\n"));
    CHECK(screen.str().find("Unable to look up user [no-such-user-cback]") != std::string::npos);
  }
  SECTION("unknown group: the error is logged") {
    settings.logfile = dir / "ungrouped.log";
    settings.owner_group = "no-such-group-cback";
    Logger log;
    log.configure(settings);
    CHECK(cback::test::read_file(settings.logfile)
              .find("Unable to look up group "
                    "[no-such-group-cback]: no such group") != std::string::npos);
  }
}

TEST_CASE("A logfile that cannot be opened is a logging error (exit 3)", "[core][log]") {
  cback::test::TempDir dir;
  LogSettings settings;
  SECTION("missing directory") {
    settings.logfile = dir / "missing" / "cback.log";
  }
  SECTION("a directory") {
    settings.logfile = dir.path();
  }
  Logger log;
  try {
    log.configure(settings);
    FAIL("configure() did not throw");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::logging);
    CHECK(std::string(error.what()).starts_with("Error setting up logging: [Errno "));
    CHECK(std::string(error.what()).find(settings.logfile.string()) != std::string::npos);
  }
}

TEST_CASE("Before configure() only errors are shown, on stderr", "[core][log]") {
  cback::test::TempDir dir;
  const auto captured = dir / "stderr";
  Logger log;
  CHECK_FALSE(log.enabled(LogLevel::warning));
  CHECK(log.enabled(LogLevel::error));
  CHECK_FALSE(log.output_enabled());
  CHECK_FALSE(log.debug_enabled());

  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  const int file = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(saved >= 0);
  REQUIRE(file >= 0);
  ::dup2(file, STDERR_FILENO);
  log.info("not shown");
  log.error("shown {}", "early");
  log.output("dropped");
  log.flush();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(file);
  CHECK(cback::test::read_file(captured) == "shown early\n");
}

TEST_CASE("Lines logged from several threads never interleave", "[core][log]") {
  cback::test::LoggedDir logged(mode(true, false, false, true));
  auto& [dir, screen, log] = logged;
  constexpr int k_threads = 4;
  constexpr int k_lines = 500;
  const std::string payload(200, 'x');
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < k_threads; ++t) {
      // By a named reference: clang 14 cannot capture a structured binding.
      threads.emplace_back([&logger = log, &payload, t] {
        for (int i = 0; i < k_lines; ++i) {
          logger.info("thread {} line {} {}", t, i, payload);
          logger.output(fmt::format("output {} {} {}", t, i, payload));
        }
      });
    }
  }
  const std::string x200 = " " + payload;
  const auto lines = lines_of(cback::test::read_file(logged.logfile()));
  CHECK(lines.size() == 2 * k_threads * k_lines);
  std::size_t good = 0;
  for (const auto& line : lines) {
    const auto parsed = parse_flow_line(line);
    const bool flow = parsed && parsed->level == "INFO   " &&
                      parsed->message.starts_with("thread ") && parsed->message.ends_with(x200);
    const bool output =
        line.starts_with("output ") && line.ends_with(x200) && line.size() < 20 + x200.size();
    good += flow || output ? 1 : 0;
  }
  CHECK(good == lines.size());
  CHECK(lines_of(screen.str()).size() == k_threads * k_lines);
}
