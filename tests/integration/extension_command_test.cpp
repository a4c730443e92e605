// The `command` extension through the real binary: a site's executable run
// as an extended action, from a TOML configuration.

#include "support/config_text.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <string>

using cback::test::cback_binary;
using cback::test::read_file;
using cback::test::run;
using cback::test::RunResult;
using cback::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct Site {
  TempDir dir;

  /// Runs `cback [extra] report` with `report` running a script of `body`.
  RunResult cback(const std::string& body, const std::string& extra = "") const {
    fs::create_directories(dir / "work");
    const auto script =
        dir.write("report.sh", "#!/bin/sh\necho \"report for $2 from $1 $3\"\n" + body);
    fs::permissions(script, fs::perms::owner_all);
    const auto config = dir.write(
        "cback.toml", fmt::format(R"([extensions]
[[extensions.action]]
name = "report"
index = 450
command = '{}'

{}[purge]
)",
                                  script.string(), cback::test::options_table(dir / "work")));
    std::vector<std::string> argv{cback_binary(), "-c", config.string(), "-l",
                                  (dir / "cback.log").string()};
    if (!extra.empty()) {
      argv.push_back(extra);
    }
    argv.emplace_back("report");
    return run(argv);
  }
};

} // namespace

TEST_CASE("A site command runs as an extended action and its output is logged",
          "[extension][command]") {
  Site site;
  const auto result = site.cback("", "--full");
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK_THAT(read_file(site.dir / "cback.log"),
             Catch::Contains(fmt::format("[report] report for report from {} --full",
                                         (site.dir / "cback.toml").string())));
}

TEST_CASE("A site command that fails makes the run exit 6 naming the action",
          "[extension][command]") {
  Site site;
  const auto result = site.cback("echo out of paper >&2\nexit 1\n");
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains("[report]"));
  CHECK_THAT(read_file(site.dir / "cback.log"), Catch::Contains("out of paper"));
}
