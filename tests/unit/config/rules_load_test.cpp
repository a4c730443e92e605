#include <cback/config/load.hpp>
#include <cback/extend/python_bridge.hpp>

#include "support/config_problems.hpp"
#include "support/scoped_env.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>

// The cross-field rules seen through the readers: small documents in both
// formats, each with one mistake, must give exactly that problem at the
// line of the element or table that holds it.

namespace cfg = cback::config;
using Catch::Matchers::Contains;

namespace {

using cback::test::k_toml_options;
using cback::test::k_xml_options;
using cback::test::problems_of;

std::string toml(const std::string& body) {
  return std::string(k_toml_options) + body;
}

std::string xml(const std::string& body) {
  return "<?xml version=\"1.0\"?>\n<cb_config>\n" + std::string(k_xml_options) + body +
         "</cb_config>\n";
}

/// The 1-based line of the `nth` occurrence of `needle` in `content`.
int line_of(const std::string& content, const std::string& needle, int nth = 1) {
  std::size_t at = std::string::npos;
  for (int i = 0; i < nth; ++i) {
    at = content.find(needle, at == std::string::npos ? 0 : at + 1);
    REQUIRE(at != std::string::npos);
  }
  int line = 1;
  for (std::size_t i = 0; i < at; ++i) {
    line += content[i] == '\n' ? 1 : 0;
  }
  return line;
}

using cback::test::listing;

/// Exactly one problem, in `name` at `line` (0: the document), holding `fragment`.
void require_one(const std::string& content, const std::string& name, int line,
                 const std::string& fragment) {
  const cfg::Problems problems = problems_of(content, name);
  INFO(name << ":\n" << content << "\nproblems:\n" << listing(problems));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].where.file == name);
  CHECK(problems[0].where.line == line);
  CHECK_THAT(problems[0].message, Contains(fragment));
}

} // namespace

TEST_CASE("A loaded document without action sections is a problem of the document",
          "[config][rules][load]") {
  require_one(toml(""), "a.toml", 0,
              "At least one of the collect, stage, store and purge sections is required.");
  require_one(xml(""), "a.xml", 0,
              "At least one of the collect, stage, store and purge sections is required.");
}

TEST_CASE("A loaded managed peer without a remote shell is reported at the peer",
          "[config][rules][load][peers]") {
  const std::string t = toml(R"(
[[peers.peer]]
name = "web"
type = "remote"
collect_dir = "/var/backups/cback/collect"

[[peers.peer]] # db
name = "db"
type = "remote"
collect_dir = "/var/backups/cback/collect"
managed = true
managed_actions = ["collect"]
cback_command = "/usr/bin/cback"

[[purge.dir]]
abs_path = "/var/backups/cback/stage"
retain_days = 7
)");
  require_one(t, "peers.toml", line_of(t, "[[peers.peer]] # db"),
              "Remote peer [db]: remote shell command must either be set");

  const std::string x = xml(R"(<peers>
  <peer>
    <name>web</name>
    <type>remote</type>
    <collect_dir>/var/backups/cback/collect</collect_dir>
  </peer>
  <peer>
    <name>db</name>
    <type>remote</type>
    <collect_dir>/var/backups/cback/collect</collect_dir>
    <managed>Y</managed>
    <managed_actions>collect</managed_actions>
    <cback_command>/usr/bin/cback</cback_command>
  </peer>
</peers>
<purge>
  <dir>
    <abs_path>/var/backups/cback/stage</abs_path>
    <retain_days>7</retain_days>
  </dir>
</purge>
)");
  require_one(x, "peers.xml", line_of(x, "<peer>", 2),
              "Remote peer [db]: remote shell command must either be set");
}

TEST_CASE("A loaded local peer with a remote-only key is reported at the peer",
          "[config][rules][load][peers]") {
  const std::string t = toml(R"(
[stage]
staging_dir = "/var/backups/cback/stage"

[[stage.peer]]
name = "backup"
type = "local"
collect_dir = "/var/backups/cback/collect"
backup_user = "backup"
)");
  require_one(t, "stage.toml", line_of(t, "[[stage.peer]]"),
              "Local peer [backup] cannot set backup_user");

  const std::string x = xml(R"(<stage>
  <staging_dir>/var/backups/cback/stage</staging_dir>
  <peer>
    <name>backup</name>
    <type>local</type>
    <collect_dir>/var/backups/cback/collect</collect_dir>
    <backup_user>backup</backup_user>
  </peer>
</stage>
)");
  require_one(x, "stage.xml", line_of(x, "<peer>"), "Local peer [backup] cannot set backup_user");
}

TEST_CASE("A loaded collect dir without an ignore file is reported at the dir",
          "[config][rules][load][collect]") {
  const std::string t = toml(R"(
[collect]
collect_dir = "/var/backups/cback/collect"
collect_mode = "daily"
archive_mode = "tar"

[[collect.file]]
abs_path = "/var/lib/dpkg/status"

[[collect.dir]]
abs_path = "/etc"
)");
  require_one(t, "collect.toml", line_of(t, "[[collect.dir]]"),
              "Ignore file must either be set in parent collect section or individual collect "
              "directory [/etc]");

  const std::string x = xml(R"(<collect>
  <collect_dir>/var/backups/cback/collect</collect_dir>
  <collect_mode>daily</collect_mode>
  <archive_mode>tar</archive_mode>
  <file>
    <abs_path>/var/lib/dpkg/status</abs_path>
  </file>
  <dir>
    <abs_path>/etc</abs_path>
  </dir>
</collect>
)");
  require_one(x, "collect.xml", line_of(x, "<dir>"),
              "Ignore file must either be set in parent collect section or individual collect "
              "directory [/etc]");
}

TEST_CASE("A loaded dereference without link depth is reported at the dir",
          "[config][rules][load][collect]") {
  const std::string t = toml(R"(
[collect]
collect_dir = "/var/backups/cback/collect"
collect_mode = "daily"
archive_mode = "tar"
ignore_file = ".cbignore"

[[collect.dir]]
abs_path = "/home"
dereference = true
)");
  require_one(t, "deref.toml", line_of(t, "[[collect.dir]]"), "Dereference flag is only valid");

  const std::string x = xml(R"(<collect>
  <collect_dir>/var/backups/cback/collect</collect_dir>
  <collect_mode>daily</collect_mode>
  <archive_mode>tar</archive_mode>
  <ignore_file>.cbignore</ignore_file>
  <dir>
    <abs_path>/home</abs_path>
    <dereference>Y</dereference>
  </dir>
</collect>
)");
  require_one(x, "deref.xml", line_of(x, "<dir>"), "Dereference flag is only valid");
}

TEST_CASE("A loaded store with the wrong media for its writer is reported at store",
          "[config][rules][load][store]") {
  const std::string t = toml(R"(
[store]
source_dir = "/var/backups/cback/stage"
media_type = "dvd+rw"
device_type = "cdwriter"
target_device = "/dev/sr0"
)");
  require_one(t, "store.toml", line_of(t, "[store]"), "Media type must match device type");

  const std::string x = xml(R"(<store>
  <source_dir>/var/backups/cback/stage</source_dir>
  <media_type>bd-re</media_type>
  <device_type>dvdwriter</device_type>
  <target_device>/dev/sr0</target_device>
</store>
)");
  require_one(x, "store.xml", line_of(x, "<store>"), "Media type must match device type");
}

TEST_CASE("A loaded blanking behaviour without a factor is reported at store",
          "[config][rules][load][store]") {
  const std::string t = toml(R"(
[store]
source_dir = "/var/backups/cback/stage"
media_type = "cdrw-74"
target_device = "/dev/sr0"

[store.blank_behavior]
mode = "weekly"
)");
  require_one(t, "blank.toml", line_of(t, "[store]"),
              "If blanking behavior is provided, all values must be filled in: factor");

  const std::string x = xml(R"(<store>
  <source_dir>/var/backups/cback/stage</source_dir>
  <media_type>cdrw-74</media_type>
  <target_device>/dev/sr0</target_device>
  <blank_behavior>
    <mode>weekly</mode>
  </blank_behavior>
</store>
)");
  require_one(x, "blank.xml", line_of(x, "<store>"),
              "If blanking behavior is provided, all values must be filled in: factor");
}

TEST_CASE("A loaded extension without its section is reported at the action",
          "[config][rules][load][extensions]") {
  const std::string t = toml(R"(
[extensions]

[[extensions.action]]
name = "mysql"
index = 96

[collect]
collect_dir = "/var/backups/cback/collect"
)");
  require_one(t, "ext.toml", line_of(t, "[[extensions.action]]"), "Mysql section is required");

  const std::string x = xml(R"(<extensions>
  <action>
    <name>mysql</name>
    <module>CedarBackup3.extend.mysql</module>
    <function>executeAction</function>
    <index>96</index>
  </action>
</extensions>
<collect>
  <collect_dir>/var/backups/cback/collect</collect_dir>
</collect>
)");
  require_one(x, "ext.xml", line_of(x, "<action>"), "Mysql section is required");
}

TEST_CASE("A loaded action that is no built-in is reported at the action",
          "[config][rules][load][extensions]") {
  const std::string x = xml(R"(<extensions>
  <action>
    <name>tape</name>
    <module>site.backup.tape</module>
    <function>executeAction</function>
    <index>350</index>
  </action>
</extensions>
<purge>
  <dir>
    <abs_path>/var/backups/cback/stage</abs_path>
    <retain_days>7</retain_days>
  </dir>
</purge>
)");
  // A site module is run by Cedar Backup 3's library: here, a host without it.
  cback::test::TempDir no_library;
  cback::test::ScopedEnv env(cback::extend::k_cedar_library_env, no_library.path().c_str());
  require_one(x, "custom.xml", line_of(x, "<action>"), "module [site.backup.tape]");

  // The TOML action `tape` with `keys` (whole lines) added.
  const auto tape_in_toml = [](const std::string& keys) {
    return toml("[[extensions.action]]\nname = \"tape\"\nindex = 350\n" + keys + R"(
[[purge.dir]]
abs_path = "/var/backups/cback/stage"
retain_days = 7
)");
  };
  const std::string module_in_toml =
      tape_in_toml("module = \"site.backup.tape\"\nfunction = \"executeAction\"\n");
  require_one(module_in_toml, "custom.toml", line_of(module_in_toml, "[[extensions.action]]"),
              "from an XML configuration only");

  const std::string t = tape_in_toml("");
  require_one(t, "custom.toml", line_of(t, "[[extensions.action]]"),
              "Extended action [tape] is not a built-in extension");
}

TEST_CASE("A loaded capacity section with both limits is reported at the section",
          "[config][rules][load][capacity]") {
  const std::string t = toml(R"(
[[purge.dir]]
abs_path = "/var/backups/cback/stage"
retain_days = 7

[capacity]
max_percentage = "90"
min_bytes = "1 GB"
)");
  require_one(t, "cap.toml", line_of(t, "[capacity]"), "but not both");

  const std::string x = xml(R"(<purge>
  <dir>
    <abs_path>/var/backups/cback/stage</abs_path>
    <retain_days>7</retain_days>
  </dir>
</purge>
<capacity>
  <max_percentage>90</max_percentage>
  <min_bytes>1 GB</min_bytes>
</capacity>
)");
  require_one(x, "cap.xml", line_of(x, "<capacity>"), "but not both");
}

TEST_CASE("A loaded document reports every rule violation at once", "[config][rules][load]") {
  const std::string t = toml(R"(
[collect]
collect_dir = "/var/backups/cback/collect"

[[collect.file]]
abs_path = "/var/lib/dpkg/status"

[mysql]
compress_mode = "gzip"
)");
  const cfg::Problems problems = problems_of(t, "many.toml");
  INFO(listing(problems));
  // The file lacks both modes; mysql has neither `all` nor a database.
  REQUIRE(problems.size() == 3);
  CHECK(
      problems[0].str().starts_with("many.toml:" + std::to_string(line_of(t, "[[collect.file]]"))));
  CHECK(problems[2].str().starts_with("many.toml:" + std::to_string(line_of(t, "[mysql]"))));
}

TEST_CASE("The sample configurations load without a problem", "[config][rules][load]") {
  for (const char* sample : {"/config/cback.toml", "/config/cback.xml"}) {
    INFO(sample);
    try {
      cfg::load(std::string(CBACK_SOURCE_DIR) + sample);
    } catch (const cfg::InvalidConfig& invalid) {
      FAIL(listing(invalid.problems()));
    }
  }
}
