#include "support/config_problems.hpp"

#include <cback/config/load.hpp>

#include "support/parts.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string_view>

namespace config = cback::config;
namespace fs = std::filesystem;
using cback::test::listing;
using cback::test::read_text;
using cback::test::test_data;

namespace {

constexpr const char* k_debian_sample = "/usr/share/doc/cedar-backup3/examples/cback3.conf.sample";

/// The [options] of a small valid document.
constexpr std::string_view k_small_options = R"([options]
starting_day = "monday"
working_dir = "/w"
backup_user = "u"
backup_group = "g"
rcp_command = "scp"
)";

/// parse(write(first)) gives `first` again, and writing it again gives the
/// same text.
void check_written(const config::Config& first, const std::string& name,
                   std::string (*write)(const config::Config&), const std::string& format) {
  const std::string text = write(first);
  INFO(format << ":\n" << text);
  config::Config second;
  try {
    second = config::parse(text, name + "." + format);
  } catch (const config::InvalidConfig& error) {
    FAIL("the written " << format << " does not parse:\n" << listing(error.problems()));
  }
  CHECK(second == first);
  CHECK(write(second) == text);
}

/// parse → to_toml → parse and parse → to_xml → parse (for a return to
/// Cedar Backup 3) give an equal model, and writing is stable.
void check_round_trip(const std::string& content, const std::string& name) {
  INFO("file: " << name);
  config::Config first;
  try {
    first = config::parse(content, name);
  } catch (const config::InvalidConfig& error) {
    FAIL("unexpected problems:\n" << listing(error.problems()));
  }
  check_written(first, name, &config::to_toml, "toml");
  check_written(first, name, &config::to_xml, "xml");
}

} // namespace

TEST_CASE("The Debian sample configuration survives a round trip through TOML and XML",
          "[config][roundtrip]") {
  if (!fs::exists(k_debian_sample)) {
    cback::test::report_missing_part(k_debian_sample, "package cedar-backup3");
    return;
  }
  check_round_trip(read_text(k_debian_sample), k_debian_sample);
}

TEST_CASE("The full test documents survive a round trip through TOML and XML",
          "[config][roundtrip]") {
  check_round_trip(read_text(test_data("full.xml")), "full.xml");
  check_round_trip(read_text(test_data("full.toml")), "full.toml");
}

TEST_CASE("Every sample configuration shipped in config/ survives a round trip",
          "[config][roundtrip]") {
  const fs::path dir = fs::path(CBACK_SOURCE_DIR) / "config";
  int checked = 0;
  if (fs::is_directory(dir)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
      const std::string extension = entry.path().extension().string();
      if (extension == ".xml" || extension == ".toml") {
        check_round_trip(read_text(entry.path()), entry.path().string());
        ++checked;
      }
    }
  }
  if (checked == 0) {
    WARN("no *.xml or *.toml sample under " << dir.string());
  }
  SUCCEED("checked " << checked << " samples");
}

TEST_CASE("Strings with quotes, backslashes, control and non-ASCII characters survive",
          "[config][roundtrip]") {
  const std::string xml = R"(<cb_config>
  <reference>
    <author>Zoë "the admin" O'Brien</author>
    <description>tab	here, backslash \ and &lt;angle&gt; and 日本語</description>
    <generator>line one
line two</generator>
  </reference>
  <options>
    <starting_day>sunday</starting_day>
    <working_dir>/tmp/dir with spaces/"quoted"</working_dir>
    <backup_user>backup</backup_user>
    <backup_group>backup</backup_group>
    <rcp_command>/usr/bin/scp -o "ProxyCommand=ssh -W %h:%p gw"</rcp_command>
  </options>
  <collect>
    <collect_dir>/c</collect_dir>
    <exclude><pattern>^\d+\\.*\.(tmp|bak)$</pattern></exclude>
  </collect>
</cb_config>)";
  check_round_trip(xml, "strings.xml");
  const config::Config c = config::parse(xml, "strings.xml");
  CHECK(c.reference->generator == "line one\nline two");
  CHECK(c.collect->exclude.pattern[0] == R"(^\d+\\.*\.(tmp|bak)$)");
}

TEST_CASE("Written TOML omits absent optional keys and keeps defaults out", "[config][toml]") {
  const config::Config c = config::parse(std::string(k_small_options) + "[purge]\n", "small.toml");
  const std::string toml = config::to_toml(c);
  CHECK(toml.find("rsh_command") == std::string::npos);
  CHECK(toml.find("[reference]") == std::string::npos);
  CHECK(toml.find("[purge]") != std::string::npos);
  CHECK(toml.find("starting_day = \"monday\"") != std::string::npos);
}

TEST_CASE("Written XML spells booleans Y and N and comma lists as one element", "[config][xml]") {
  const config::Config c =
      config::parse(std::string(k_small_options) + R"(managed_actions = ["collect", "purge"]
[collect]
collect_dir = "/c"
ignore_file = ".cbignore"
[[collect.dir]]
abs_path = "/etc"
collect_mode = "daily"
archive_mode = "tar"
link_depth = 1
dereference = true
)",
                    "small.toml");
  const std::string xml = config::to_xml(c);
  INFO(xml);
  CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cb_config>"));
  CHECK(xml.find("<managed_actions>collect,purge</managed_actions>") != std::string::npos);
  CHECK(xml.find("<dereference>Y</dereference>") != std::string::npos);
  CHECK(xml.find("<abs_path>/etc</abs_path>") != std::string::npos);
}
