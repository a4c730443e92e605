// Drives the real cback-config program: convert, check, usage errors.

#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <cback/config/load.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

std::string data(const std::string& name) {
  return (fs::path(CBACK_SOURCE_DIR) / "tests/data/config" / name).string();
}

} // namespace

TEST_CASE("cback-config convert prints the TOML equivalent of an XML file", "[cli][config]") {
  const auto result = run({cback_config_binary(), "convert", data("full.xml")});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err.empty());
  CHECK(result.out.find("[[collect.dir]]") != std::string::npos);
  CHECK(cback::config::parse(result.out, "out.toml") == cback::config::load(data("full.xml")));
}

TEST_CASE("cback-config convert -o writes the file atomically", "[cli][config]") {
  TempDir dir;
  const fs::path out = dir / "cback.toml";
  const auto result =
      run({cback_config_binary(), "convert", data("full.toml"), "-o", out.string()});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.empty());
  CHECK(cback::config::load(out) == cback::config::load(data("full.toml")));
  CHECK_FALSE(fs::exists(out.string() + ".partial"));
}

TEST_CASE("cback-config check accepts a valid file of either format", "[cli][config]") {
  for (const char* name : {"full.xml", "full.toml"}) {
    const auto result = run({cback_config_binary(), "check", data(name)});
    INFO(result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out == data(name) + ": configuration is valid\n");
  }
}

TEST_CASE("cback-config check reports every problem with its position and exits 4",
          "[cli][config]") {
  TempDir dir;
  const fs::path bad = dir.write("bad.conf", "<cb_config>\n<options>\n"
                                             "<working_dir>relative</working_dir>\n"
                                             "</options>\n</cb_config>\n");
  const auto result = run({cback_config_binary(), "check", bad.string()});
  CHECK(result.exit_code == 4);
  CHECK(result.out.empty());
  CHECK(result.err.find(bad.string() + ":3:1: options/working_dir: must be an absolute path") !=
        std::string::npos);
  CHECK(result.err.find(bad.string() + ":2:1: options: missing required element <starting_day>") !=
        std::string::npos);

  const auto converted = run({cback_config_binary(), "convert", bad.string()});
  CHECK(converted.exit_code == 4);
  CHECK(converted.out.empty());
}

TEST_CASE("cback-config rejects bad usage with exit 2 and the usage text", "[cli][config]") {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"frobnicate"},
                                             {"check"},
                                             {"check", "a", "b"},
                                             {"convert", "a", "-o"},
                                             {"check", "--bogus", "a"},
                                             {"check", "a", "-o", "b"}}) {
    std::vector<std::string> argv{cback_config_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = run(argv);
    INFO("args: " << args.size());
    CHECK(result.exit_code == 2);
    CHECK(result.err.find("Usage: cback-config") != std::string::npos);
  }
}

TEST_CASE("cback-config prints help and version", "[cli][config]") {
  const auto help = run({cback_config_binary(), "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Usage: cback-config") != std::string::npos);
  const auto version = run({cback_config_binary(), "-V"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.find("cback-config ") == 0);
}

} // namespace cback::test
