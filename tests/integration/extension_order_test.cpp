// The extensions of Debian's sample configuration
// (/usr/share/doc/cedar-backup3/examples/cback3.conf.sample) run in the
// original's order, in index and in dependency mode. The expected orders
// are what Cedar Backup 3 itself logged for these configurations.
//
// Only the order is under test here, so the commands that need a database
// server or take long (ls -laR /, mysqldump, pg_dumpall) and gpg are
// replaced through <override> (a feature of the configuration) by
// /bin/echo; dpkg, svnadmin/svnlook and grepmail run for real.

#include "support/parts.hpp"
#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

// The sample's <extensions>, as shipped.
constexpr const char* k_index_extensions = R"(   <extensions>
      <action>
         <name>sysinfo</name>
         <module>CedarBackup3.extend.sysinfo</module>
         <function>executeAction</function>
         <index>95</index>
      </action>
      <action>
         <name>mysql</name>
         <module>CedarBackup3.extend.mysql</module>
         <function>executeAction</function>
         <index>96</index>
      </action>
      <action>
         <name>postgresql</name>
         <module>CedarBackup3.extend.postgresql</module>
         <function>executeAction</function>
         <index>97</index>
      </action>
      <action>
         <name>subversion</name>
         <module>CedarBackup3.extend.subversion</module>
         <function>executeAction</function>
         <index>98</index>
      </action>
      <action>
         <name>mbox</name>
         <module>CedarBackup3.extend.mbox</module>
         <function>executeAction</function>
         <index>99</index>
      </action>
      <action>
         <name>encrypt</name>
         <module>CedarBackup3.extend.encrypt</module>
         <function>executeAction</function>
         <index>299</index>
      </action>
   </extensions>
)";

// The same list in dependency mode: the dumps before collect, encrypt
// between stage and store.
std::string dependency_extensions() {
  std::string text = "   <extensions>\n      <order_mode>dependency</order_mode>\n";
  for (const char* name : {"sysinfo", "mysql", "postgresql", "subversion", "mbox"}) {
    text += fmt::format("      <action><name>{0}</name><module>CedarBackup3.extend.{0}</module>"
                        "<function>executeAction</function><depends><run_before>collect"
                        "</run_before></depends></action>\n",
                        name);
  }
  text += "      <action><name>encrypt</name><module>CedarBackup3.extend.encrypt</module>"
          "<function>executeAction</function><depends><run_before>store</run_before>"
          "<run_after>stage</run_after></depends></action>\n   </extensions>\n";
  return text;
}

struct OrderPool : Pool {
  OrderPool() {
    for (const char* sub : {"work", "collect", "staging"}) {
      fs::create_directories(dir / sub);
    }
    REQUIRE(run({"/usr/bin/svnadmin", "create", (dir / "repo").string()}).exit_code == 0);
    dir.write("mbox", "From a@example.org Mon Jan  6 10:00:00 2020\nFrom: a@example.org\n"
                      "Date: Mon, 6 Jan 2020 10:00:00 +0000\nSubject: s\n\nbody\n\n");
  }

  RunResult run_extensions(const std::string& extensions) {
    std::string overrides;
    for (const char* command : {"ls", "mysqldump", "pg_dumpall", "gpg"}) {
      overrides += fmt::format(
          "      <override><command>{}</command><abs_path>/bin/echo</abs_path></override>\n",
          command);
    }
    configure(fmt::format(R"(<?xml version="1.0"?>
<cb_config>
   <reference><author>tests</author></reference>
{0}   <options>
      <starting_day>tuesday</starting_day>
      <working_dir>{1}/work</working_dir>
      <backup_user>root</backup_user>
      <backup_group>root</backup_group>
      <rcp_command>/usr/bin/scp -B</rcp_command>
{2}   </options>
   <collect><collect_dir>{1}/collect</collect_dir><collect_mode>daily</collect_mode><archive_mode>tar</archive_mode></collect>
   <stage><staging_dir>{1}/staging</staging_dir><peer><name>h</name><type>local</type><collect_dir>{1}/collect</collect_dir></peer></stage>
   <mysql><compress_mode>none</compress_mode><all>Y</all></mysql>
   <postgresql><compress_mode>none</compress_mode><all>Y</all></postgresql>
   <subversion><collect_mode>daily</collect_mode><compress_mode>none</compress_mode><repository><abs_path>{1}/repo</abs_path></repository></subversion>
   <mbox><collect_mode>daily</collect_mode><compress_mode>none</compress_mode><file><abs_path>{1}/mbox</abs_path></file></mbox>
   <encrypt><encrypt_mode>gpg</encrypt_mode><encrypt_target>backup@example.org</encrypt_target></encrypt>
</cb_config>
)",
                          extensions, dir.path().string(), overrides),
              "cback.xml");
    // Given in reverse, so that only the configured order can put them right.
    return cback({"encrypt", "mbox", "subversion", "postgresql", "mysql", "sysinfo"});
  }

  /// The extensions in the order their success lines appear in the log.
  [[nodiscard]] std::vector<std::string> executed() const {
    const std::string log = read_file(dir / "cback.log");
    const std::vector<std::pair<std::string, std::string>> lines{
        {"sysinfo", "Executed the sysinfo extended action successfully."},
        {"mysql", "Executed the MySQL extended action successfully."},
        {"postgresql", "Executed the PostgreSQL extended action successfully."},
        {"subversion", "Executed the Subversion extended action successfully."},
        {"mbox", "Executed the mbox extended action successfully."},
        {"encrypt", "Executed the encrypt extended action successfully."},
    };
    std::vector<std::pair<std::size_t, std::string>> found;
    for (const auto& [name, line] : lines) {
      const auto at = log.find(line);
      if (at != std::string::npos) {
        found.emplace_back(at, name);
      }
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> names;
    for (const auto& entry : found) {
      names.push_back(entry.second);
    }
    return names;
  }
};

bool tools_available() {
  return program_available("svnadmin") && program_available("svnlook") &&
         program_available("grepmail") && program_available("dpkg");
}

using Names = std::vector<std::string>;

} // namespace

TEST_CASE("The sample's extensions run in index order", "[extension][order]") {
  CBACK_REQUIRE_PART(tools_available());
  OrderPool pool;
  const auto result = pool.run_extensions(k_index_extensions);
  INFO(result.out << result.err << read_file(pool.dir / "cback.log"));
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(read_file(pool.dir / "cback.log"),
             Catch::Contains("Action order will be: ['initialize', 'rebuild', 'validate', "
                             "'sysinfo', 'mysql', 'postgresql', 'subversion', 'mbox', 'collect', "
                             "'stage', 'encrypt', 'store', 'purge']"));
  CHECK(pool.executed() ==
        Names{"sysinfo", "mysql", "postgresql", "subversion", "mbox", "encrypt"});
}

TEST_CASE("The sample's extensions run in the original's dependency order", "[extension][order]") {
  CBACK_REQUIRE_PART(tools_available());
  OrderPool pool;
  const auto result = pool.run_extensions(dependency_extensions());
  INFO(result.out << result.err << read_file(pool.dir / "cback.log"));
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(read_file(pool.dir / "cback.log"),
             Catch::Contains("Action order will be: ['mbox', 'subversion', 'postgresql', 'mysql', "
                             "'sysinfo', 'collect', 'stage', 'encrypt', 'store', 'purge', "
                             "'initialize', 'validate', 'rebuild']"));
  CHECK(pool.executed() ==
        Names{"mbox", "subversion", "postgresql", "mysql", "sysinfo", "encrypt"});
}

} // namespace cback::test
