// Drives the real cback-config program: convert, check, usage errors.

#include "support/parts.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <cback/config/load.hpp>

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

std::string data(const std::string& name) {
  return (fs::path(CBACK_SOURCE_DIR) / "tests/data/config" / name).string();
}

/// A copy of `source` in `dir` with `mode`.
fs::path copy_with_mode(const TempDir& dir, const std::string& source, const std::string& name,
                        mode_t mode) {
  const fs::path copy = dir / name;
  fs::copy_file(source, copy);
  REQUIRE(::chmod(copy.c_str(), mode) == 0);
  return copy;
}

mode_t mode_of(const fs::path& path) {
  struct stat status {};
  REQUIRE(::stat(path.c_str(), &status) == 0);
  return status.st_mode & 0777;
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

TEST_CASE("cback-config convert -o gives the output its input's mode", "[cli][config]") {
  TempDir dir;
  // The sample holds no password: its mode is kept as it is, group bits too.
  const std::string sample = (fs::path(CBACK_SOURCE_DIR) / "config/cback.xml").string();
  const fs::path source = copy_with_mode(dir, sample, "cback.xml", 0640);
  for (const char* to : {"toml", "xml"}) {
    const fs::path out = dir / (std::string("out.") + to);
    const auto result =
        run({cback_config_binary(), "convert", source.string(), "--to", to, "-o", out.string()});
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(mode_of(out) == 0640);
  }
}

TEST_CASE("cback-config convert -o never makes a file holding a password wider than 0600",
          "[cli][config]") {
  TempDir dir;
  for (const char* name : {"full.xml", "full.toml"}) {
    for (const mode_t mode : {mode_t{0600}, mode_t{0644}, mode_t{0640}, mode_t{0400}}) {
      const fs::path source = copy_with_mode(dir, data(name), std::string("in-") + name, mode);
      const fs::path out = dir / "withpw.conf";
      for (const char* to : {"toml", "xml"}) {
        const auto result = run(
            {cback_config_binary(), "convert", source.string(), "--to", to, "-o", out.string()});
        INFO(name << " " << std::oct << mode << " --to " << to << ": " << result.err);
        REQUIRE(result.exit_code == 0);
        CHECK(mode_of(out) == (mode & 0600));
        // A narrowed mode is said, never silently applied.
        CHECK((result.err.find("holds a password") != std::string::npos) == ((mode & 0077) != 0));
        CHECK(cback::config::load(out) == cback::config::load(data(name)));
      }
      fs::remove(source);
    }
  }
}

TEST_CASE("cback-config convert --to xml writes the legacy XML of either format", "[cli][config]") {
  for (const char* name : {"full.xml", "full.toml"}) {
    const auto result = run({cback_config_binary(), "convert", data(name), "--to", "xml"});
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out.find("<cb_config>") != std::string::npos);
    CHECK(cback::config::detect_format(result.out) == cback::config::Format::xml);
    CHECK(cback::config::parse(result.out, "out.xml") == cback::config::load(data(name)));
  }
}

TEST_CASE("Cedar Backup 3 reads the XML that cback-config convert --to xml writes",
          "[cli][config][cback3]") {
  if (std::system("/usr/bin/python3 -c 'import CedarBackup3.config' 2>/dev/null") != 0) {
    report_missing_part("CedarBackup3 (/usr/bin/python3)", "package cedar-backup3");
    return;
  }
  TempDir dir;
  // Samples that use nothing cback added (tests/data/config/full.* use
  // tarzst, which the original does not know).
  std::vector<std::string> sources{(fs::path(CBACK_SOURCE_DIR) / "config/cback.toml").string()};
  const char* debian_sample = "/usr/share/doc/cedar-backup3/examples/cback3.conf.sample";
  if (fs::exists(debian_sample)) {
    sources.emplace_back(debian_sample);
  }
  for (const std::string& source : sources) {
    const fs::path out = dir / "rollback.xml";
    const auto result =
        run({cback_config_binary(), "convert", source, "--to", "xml", "-o", out.string()});
    INFO(source << ": " << result.err);
    REQUIRE(result.exit_code == 0);
    // The original's own parser, with its own validation of every section.
    const auto original = run({"/usr/bin/python3", "-c",
                               "import sys\n"
                               "from CedarBackup3.config import Config\n"
                               "Config(xmlPath=sys.argv[1], validate=True)\n",
                               out.string()});
    INFO(original.out << original.err);
    CHECK(original.exit_code == 0);
  }
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
                                             {"check", "a", "-o", "b"},
                                             {"convert", "a", "--to"},
                                             {"convert", "a", "--to", "yaml"},
                                             {"convert", "a", "--to", "xml", "--to", "toml"},
                                             {"check", "a", "--to", "xml"}}) {
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
