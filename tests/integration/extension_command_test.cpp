// The `command` extension through the real binary: a site's executable run
// as an extended action, from a TOML configuration.

#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

struct Site : Pool {
  /// Runs `cback [extra] report` with `report` running a script of `body`.
  RunResult run_report(const std::string& body, const std::string& extra = "") {
    const auto script =
        dir.write("report.sh", "#!/bin/sh\necho \"report for $2 from $1 $3\"\n" + body);
    fs::permissions(script, fs::perms::owner_all);
    configure(extensions_table("report", 450, fmt::format("command = '{}'\n", script.string())) +
              options_table(make_dir("work")) + "[purge]\n");
    Args arguments;
    if (!extra.empty()) {
      arguments.push_back(extra);
    }
    arguments.emplace_back("report");
    return cback(arguments);
  }
};

} // namespace

TEST_CASE("A site command runs as an extended action and its output is logged",
          "[extension][command]") {
  Site site;
  const auto result = site.run_report("", "--full");
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK_THAT(read_file(site.dir / "cback.log"),
             Catch::Contains(fmt::format("[report] report for report from {} --full",
                                         (site.dir / "cback.toml").string())));
}

TEST_CASE("A site command that fails makes the run exit 6 naming the action",
          "[extension][command]") {
  Site site;
  const auto result = site.run_report("echo out of paper >&2\nexit 1\n");
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains("[report]"));
  CHECK_THAT(read_file(site.dir / "cback.log"), Catch::Contains("out of paper"));
}

} // namespace cback::test
