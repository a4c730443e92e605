// Field-level problems: each is reported with file:line (XML) or
// file:line:col (TOML) of the offending element or key.

#include "support/config_problems.hpp"

#include <cback/config/load.hpp>

#include <catch2/catch.hpp>

namespace config = cback::config;
using cback::test::has_problem;
using cback::test::listing;
using cback::test::problems_of;

namespace {

// A valid <options> section on lines 1-8; snippets start on line 9.
std::string xml_with(std::string_view snippet) {
  return std::string("<cb_config>\n"
                     "  <options>\n"
                     "    <starting_day>monday</starting_day>\n"
                     "    <working_dir>/w</working_dir>\n"
                     "    <backup_user>u</backup_user>\n"
                     "    <backup_group>g</backup_group>\n"
                     "    <rcp_command>scp</rcp_command>\n"
                     "  </options>\n") +
         std::string(snippet) + "\n</cb_config>\n";
}

// A valid [options] table on lines 1-6; snippets start on line 7.
std::string toml_with(std::string_view snippet) {
  return std::string("[options]\n"
                     "starting_day = \"monday\"\n"
                     "working_dir = \"/w\"\n"
                     "backup_user = \"u\"\n"
                     "backup_group = \"g\"\n"
                     "rcp_command = \"scp\"\n") +
         std::string(snippet) + "\n";
}

struct Case {
  std::string_view snippet;
  std::string_view where; ///< after "t.xml:" or "t.toml:"
  std::string_view text;
};

void check_xml(const Case& c) {
  const config::Problems problems = problems_of(xml_with(c.snippet), "t.xml");
  INFO("snippet:\n" << c.snippet << "\nproblems:\n" << listing(problems));
  CHECK(has_problem(problems, "t.xml:" + std::string(c.where), c.text));
}

void check_toml(const Case& c) {
  const config::Problems problems = problems_of(toml_with(c.snippet), "t.toml");
  INFO("snippet:\n" << c.snippet << "\nproblems:\n" << listing(problems));
  CHECK(has_problem(problems, "t.toml:" + std::string(c.where), c.text));
}

} // namespace

TEST_CASE("The minimal documents of these tests are valid", "[config][errors]") {
  const std::string collect_xml = "<collect><collect_dir>/c</collect_dir></collect>";
  CHECK(listing(problems_of(xml_with(collect_xml), "t.xml")).empty());
  CHECK(listing(problems_of(toml_with("[collect]\ncollect_dir = \"/c\""), "t.toml")).empty());
}

TEST_CASE("Values of the wrong type are reported where they are", "[config][errors]") {
  check_xml({"<purge>\n  <dir><abs_path>/p</abs_path><retain_days>seven</retain_days></dir>\n"
             "</purge>",
             "10:31", "must be an integer, not \"seven\""});
  check_toml({"[[purge.dir]]\nabs_path = \"/p\"\nretain_days = \"7\"", "9:15",
              "must be an integer, not a string"});
  check_toml({"[store]\ncheck_data = \"Y\"", "8:14", "must be a boolean, not a string"});
  check_xml({"<store>\n<check_data>yes</check_data></store>", "10:1", "must be Y or N"});
  check_toml({"[collect]\ncollect_dir = 12", "8:15", "must be a string, not an integer"});
  check_toml({"[collect]\ncollect_dir = 1979-05-27", "8:15", "not a date or time"});
  check_toml({"[mysql]\ndatabase = \"db1\"", "8:12", "must be an array, not a string"});
  check_toml({"[collect.dir]\nabs_path = \"/d\"", "7:1", "must be an array of tables"});
  check_toml({"[options.override]\ncommand = \"x\"", "7:1", "must be an array of tables"});
  CHECK(has_problem(problems_of("collect = 3\n", "w.toml"), "w.toml:1:11",
                    "collect: must be a table, not an integer"));
  check_toml({"[peers]\npeer = [1]", "8:9", "must be a table, not an integer"});
}

TEST_CASE("Enum values must be one of the spellings", "[config][errors]") {
  check_xml({"<collect>\n  <collect_mode>hourly</collect_mode>\n</collect>", "10:3",
             "must be one of \"daily\", \"weekly\", \"incr\", not \"hourly\""});
  check_xml(
      {"<collect>\n  <collect_mode> daily</collect_mode>\n</collect>", "10:3", "not \" daily\""});
  check_toml({"[store]\nmedia_type = \"dvd\"", "8:14", "not \"dvd\""});
  check_toml({"[collect]\narchive_mode = \"zip\"", "8:16", "not \"zip\""});
  check_toml({"[mysql]\ncompress_mode = \"xz\"", "8:17", "not \"xz\""});
  check_toml({"[extensions]\norder_mode = \"random\"", "8:14", "not \"random\""});
  check_xml({"<peers>\n<peer><name>p</name><type>ftp</type><collect_dir>/c</collect_dir></peer>"
             "\n</peers>",
             "10:21", "must be one of \"local\", \"remote\", not \"ftp\""});
}

TEST_CASE("Relative paths where absolute ones are needed are errors", "[config][errors]") {
  // XML text is not trimmed: " /etc" is relative, as in the original.
  check_xml({"<collect>\n<collect_dir>/c</collect_dir>\n<dir><abs_path> /etc</abs_path></dir>\n"
             "</collect>",
             "11:6", "must be an absolute path, not \" /etc\""});
  check_toml({"[collect]\ncollect_dir = \"var/c\"", "8:15", "must be an absolute path"});
  check_toml({"[collect]\ncollect_dir = \"/c\"\nexclude.abs_path = [\"/a\", \"b\"]", "9:27",
              "must be an absolute path, not \"b\""});
  check_toml({"[options.extra]", "7:1", "unknown key"});
  check_toml({"[stage]\nstaging_dir = \"s\"", "8:15", "must be an absolute path"});
  check_toml({"[[peers.peer]]\nname = \"p\"\ntype = \"remote\"\ncollect_dir = \"/c\"\n"
              "identity_file = \"id\"",
              "11:17", "must be an absolute path"});
}

TEST_CASE("A target device names one image per week with {week} in a stdio: file name only",
          "[config][errors]") {
  const std::string store = "[store]\nsource_dir = \"/s\"\nmedia_type = \"dvd+rw\"\n"
                            "device_type = \"dvdwriter\"\ntarget_device = ";
  CHECK(listing(problems_of(toml_with(store + "\"stdio:/srv/discs/cback-{week}.iso\""), "t.toml"))
            .empty());
  check_toml({store + "\"stdio:/srv/cback-{day}.iso\"", "11:17",
              "store.target_device: has an unknown placeholder [{day}] (the only one is {week})"});
  check_toml({store + "\"stdio:/srv/cback-{week.iso\"", "11:17", "unknown placeholder [{]"});
  check_toml({store + "\"stdio:/srv/cback-week}.iso\"", "11:17", "unknown placeholder [}]"});
  check_toml({store + "\"stdio:/srv/{week}/disc.iso\"", "11:17",
              "{week} belongs in the image's file name, not in a directory"});
  check_toml({store + "\"/dev/sr{week}\"", "11:17",
              "{week} names an image file per week and "
              "needs a stdio: target"});
  check_xml({"<store><source_dir>/s</source_dir><media_type>cdrw-74</media_type>\n"
             "<target_device>stdio:/srv/disc-{WEEK}.iso</target_device></store>",
             "10:1", "unknown placeholder [{WEEK}]"});
}

TEST_CASE("A target device is an absolute path or a stdio: pseudo-drive on one",
          "[config][errors]") {
  const std::string store = "[store]\nsource_dir = \"/s\"\nmedia_type = \"dvd+rw\"\n"
                            "device_type = \"dvdwriter\"\ntarget_device = ";
  CHECK(listing(problems_of(toml_with(store + "\"stdio:/var/disc.iso\""), "t.toml")).empty());
  CHECK(listing(problems_of(toml_with(store + "\"/dev/sr0\""), "t.toml")).empty());
  check_toml({store + "\"stdio:disc.iso\"", "11:17", "must be an absolute device path or stdio:"});
  check_xml({"<store><source_dir>/s</source_dir><media_type>cdrw-74</media_type>\n"
             "<target_device>sr0</target_device></store>",
             "10:1", "must be an absolute device path or stdio:"});
}

TEST_CASE("Empty strings are errors", "[config][errors]") {
  check_toml({"[collect]\ncollect_dir = \"/c\"\nignore_file = \"\"", "9:15", "must not be empty"});
  check_toml({"[reference]\nauthor = \"\"", "8:10", "must not be empty"});
  check_toml(
      {"[collect]\ncollect_dir = \"/c\"\nexclude.pattern = [\"\"]", "9:20", "must not be empty"});
}

TEST_CASE("Invalid regular expressions are reported with PCRE2's message and offset",
          "[config][errors]") {
  check_xml({"<collect><collect_dir>/c</collect_dir>\n<exclude><pattern>(unclosed</pattern>"
             "</exclude></collect>",
             "10:10",
             "invalid regular expression \"(unclosed\": missing closing parenthesis at "
             "offset 9"});
  check_toml({"[collect]\ncollect_dir = \"/c\"\n\n[[collect.dir]]\nabs_path = \"/d\"\n"
              "exclude = { pattern = [\"a**\"] }",
              "12:24", "invalid regular expression \"a**\""});
}

TEST_CASE("Action names must be lower-case letters and digits", "[config][errors]") {
  check_xml({"<extensions><action>\n<name>MyAction</name>\n<module>m</module>"
             "<function>f</function></action></extensions>",
             "10:1", "must be an action name"});
  check_toml({"[[extensions.action]]\nname = \"my-action\"", "8:8", "must be an action name"});
  check_toml({"managed_actions = [\"collect\", \"Purge\"]", "7:31", "not \"Purge\""});
  check_xml({"<peers><peer><name>p</name><type>remote</type><collect_dir>/c</collect_dir>\n"
             "<managed_actions>collect, st age</managed_actions></peer></peers>",
             "10:1", "not \"st age\""});
  check_toml({"[[extensions.action]]\nname = \"a\"\ndepends.run_after = [\"B\"]", "9:22",
              "must be an action name"});
  check_xml({"<extensions><action><name>a</name><module>m</module><function>f</function>\n"
             "<depends><run_before>x,Y</run_before></depends></action></extensions>",
             "10:10", "not \"Y\""});
  check_toml({"[[options.pre_action_hook]]\naction = \"Collect\"\ncommand = \"c\"", "8:10",
              "must be an action name"});
}

TEST_CASE("Module and function names must be identifiers", "[config][errors]") {
  check_xml({"<extensions><action><name>a</name>\n<module>Cedar-Backup.x</module>\n"
             "<function>1run</function></action></extensions>",
             "10:1", "must be a dotted module name"});
  check_xml({"<extensions><action><name>a</name>\n<module>Cedar..x</module>\n"
             "<function>1run</function></action></extensions>",
             "11:1", "must be an identifier, not \"1run\""});
}

TEST_CASE("A SCSI id must have the original's syntax", "[config][errors]") {
  check_toml({"[store]\ntarget_scsi_id = \"0,0\"", "8:18", "must be a SCSI id"});
  CHECK_FALSE(has_problem(
      problems_of(toml_with("[store]\ntarget_scsi_id = \"IOCompactDiscServices/2\""), "t.toml"),
      "t.toml:8:18", "SCSI"));
}

TEST_CASE("Integers outside their range are errors", "[config][errors]") {
  check_toml({"[[collect.dir]]\nabs_path = \"/d\"\nlink_depth = -1", "9:14", "at least 0"});
  check_toml({"[[purge.dir]]\nabs_path = \"/d\"\nretain_days = -1", "9:15", "at least 0"});
  check_toml({"[[extensions.action]]\nname = \"a\"\nindex = -5", "9:9", "at least 0"});
  check_toml({"[store]\nrefresh_media_delay = -1", "8:23", "at least 0"});
  check_toml({"[store]\neject_delay = -1", "8:15", "at least 0"});
  check_toml({"[store]\ndrive_speed = 0", "8:15", "at least 1, not 0"});
  check_toml({"[[peers.peer]]\nport = 0", "8:8", "between 1 and 65535"});
  check_xml({"<peers><peer>\n<port>70000</port></peer></peers>", "10:1", "between 1 and 65535"});
  check_toml({"[store]\ndrive_speed = 99999999999", "8:15", "at least 1"});
}

TEST_CASE("Integers in XML follow Python int()", "[config][errors]") {
  check_xml({"<store>\n<drive_speed>0x10</drive_speed></store>", "10:1", "must be an integer"});
  check_xml({"<store>\n<drive_speed>1__0</drive_speed></store>", "10:1", "must be an integer"});
  check_xml({"<store>\n<drive_speed>4.0</drive_speed></store>", "10:1", "must be an integer"});
  const std::string ok = "<store><source_dir>/s</source_dir><media_type>cdr-74</media_type>"
                         "<target_device>/dev/cd</target_device>"
                         "<drive_speed> +1_6\n</drive_speed></store>";
  const config::Config c = config::parse(xml_with(ok), "t.xml");
  CHECK(c.store->drive_speed == 16);
}

TEST_CASE("Byte quantities and float texts must be numbers", "[config][errors]") {
  check_toml({"[split]\nsize_limit = \"lots\"", "8:14", "is not a byte quantity"});
  check_toml({"[split]\nsize_limit = -5", "8:14", "negative"});
  check_xml({"<split>\n<split_size>10 kB</split_size></split>", "10:1", "not a byte quantity"});
  check_toml({"[store.blank_behavior]\nfactor = \"abc\"", "8:10", "must be a number"});
  check_toml({"[store.blank_behavior]\nfactor = -1.5", "8:10", "at least 0"});
  check_toml({"[capacity]\nmax_percentage = 101", "8:18", "between 0 and 100"});
  check_xml(
      {"<capacity>\n<max_percentage>nan</max_percentage></capacity>", "10:1", "must be a number"});
  check_toml({"[capacity]\nmin_bytes = true", "8:13", "must be a number or a string"});
}

TEST_CASE("Missing required fields are reported at their container", "[config][errors]") {
  check_xml({"<peers>\n<peer><type>local</type></peer></peers>", "10:1",
             "missing required element <name>"});
  check_xml({"<peers>\n<peer><name>p</name><collect_dir>/c</collect_dir></peer></peers>", "10:1",
             "missing required element <type>"});
  check_toml({"[[peers.peer]]\nname = \"p\"\ntype = \"local\"", "7:1",
              "missing required key \"collect_dir\""});
  check_toml({"[[collect.file]]", "7:1", "collect.file: missing required key \"abs_path\""});
  check_toml({"[[purge.dir]]\nabs_path = \"/p\"", "7:1", "missing required key \"retain_days\""});
  check_toml({"[[options.override]]\ncommand = \"c\"", "7:1", "missing required key \"abs_path\""});
  check_toml(
      {"[[options.override]]\nabs_path = \"/c\"", "7:1", "missing required key \"command\""});
  check_toml(
      {"[[options.post_action_hook]]\ncommand = \"c\"", "7:1", "missing required key \"action\""});
  check_toml(
      {"[[options.post_action_hook]]\naction = \"c\"", "7:1", "missing required key \"command\""});
  check_toml({"[[extensions.action]]\nindex = 1", "7:1", "missing required key \"name\""});
  check_xml({"<extensions>\n<action><name>a</name></action></extensions>", "10:1",
             "missing required element <module>"});
  check_xml({"<stage>\n</stage>", "9:1", "missing required element <staging_dir>"});
  check_xml(
      {"<collect>\n<collect_dir/></collect>", "9:1", "missing required element <collect_dir>"});
  check_toml({"[store]", "7:1", "missing required key \"source_dir\""});
  check_toml({"[store]", "7:1", "missing required key \"media_type\""});
  check_toml({"[store]", "7:1", "missing required key \"target_device\""});
}

TEST_CASE("Required options fields are reported when missing", "[config][errors]") {
  const config::Problems problems = problems_of("[options]\n[purge]\n", "o.toml");
  for (const char* key :
       {"starting_day", "working_dir", "backup_user", "backup_group", "rcp_command"}) {
    CHECK(has_problem(problems, "o.toml:1:1", std::string("missing required key \"") + key));
  }
}

TEST_CASE("In TOML an extension action may leave out module and function", "[config][toml]") {
  const config::Problems problems =
      problems_of(toml_with("[[extensions.action]]\nname = \"sysinfo\"\nindex = 99"), "t.toml");
  CHECK_FALSE(has_problem(problems, "t.toml:7:1", "module"));
  CHECK_FALSE(has_problem(problems, "t.toml:7:1", "function"));
}

TEST_CASE("Unknown keys are errors, except unknown top-level XML elements", "[config][errors]") {
  check_toml({"[bogus]", "7:1", "bogus: unknown key"});
  check_toml({"[collect]\ncollect_dir = \"/c\"\ncolect_mode = \"daily\"", "9:15",
              "collect.colect_mode: unknown key"});
  check_toml({"[[collect.dir]]\nabs_path = \"/d\"\nmode = \"daily\"", "9:8",
              "collect.dir.mode: unknown key"});
  check_xml({"<collect><collect_dir>/c</collect_dir>\n<dir><abs_path>/d</abs_path><depth>1</depth>"
             "</dir></collect>",
             "10:29", "collect/dir/depth: unknown element"});
  const std::string third_party =
      "<collect><collect_dir>/c</collect_dir></collect><mystuff><x>1</x></mystuff>";
  CHECK(listing(problems_of(xml_with(third_party), "t.xml")).empty());
}

TEST_CASE("An XML document must have <cb_config> as root and each section once",
          "[config][errors][xml]") {
  CHECK(has_problem(problems_of("<?xml version='1.0'?>\n<config/>", "r.xml"), "r.xml:2:1",
                    "root element is <config>: expected <cb_config>"));
  check_xml({"<collect><collect_dir>/c</collect_dir></collect>\n<options/>", "10:1",
             "second <options> section"});
}

TEST_CASE("Malformed documents are reported with a position, never a crash", "[config][errors]") {
  CHECK(has_problem(problems_of("<cb_config>\n  <options>\n    <starting", "m.xml"), "m.xml:3:13",
                    "XML syntax error"));
  CHECK(has_problem(problems_of("<cb_config>\n<a></b>\n</cb_config>", "m.xml"), "m.xml:2:6",
                    "Start-end tags mismatch"));
  CHECK(has_problem(problems_of("[options]\nstarting_day = \n", "m.toml"), "m.toml:2:16",
                    "TOML syntax error"));
  CHECK(has_problem(problems_of("[options\n", "m.toml"), "m.toml:1:9", "TOML syntax error"));
  CHECK(has_problem(problems_of("[a]\nx=1\n[a]\n", "m.toml"), "m.toml:3:1", "TOML syntax error"));
  CHECK(has_problem(problems_of(std::string("[options]\x00\x01\x02", 12), "b.toml"), "b.toml:1:10",
                    "NUL byte"));
  CHECK(has_problem(problems_of("<cb_config>\n<x>\xC3\x28</x>", "b.xml"), "b.xml:2:4",
                    "invalid UTF-8"));
  CHECK(has_problem(problems_of("\xFF\xFE<\0c\0b\0", "b.xml"), "b.xml:1:1", "invalid UTF-8"));
  CHECK(has_problem(problems_of("x = \"\xED\xA0\x80\"", "b.toml"), "b.toml:1:6", "invalid UTF-8"));
  CHECK_FALSE(problems_of("\x89PNG garbage }{][", "g.toml").empty());
  CHECK_FALSE(problems_of("\x1F\x8B\x08\x00binary", "gz.conf").empty());
}

TEST_CASE("InvalidConfig lists every problem, one per line, with exit code 4", "[config][errors]") {
  try {
    (void)config::parse("[options]\nstarting_day = \"moonday\"\n", "e.toml");
    FAIL("no error");
  } catch (const config::InvalidConfig& error) {
    CHECK(error.code() == cback::ExitCode::config);
    const std::string what = error.what();
    CHECK(what.find("e.toml:2:16: options.starting_day: must be one of") != std::string::npos);
    CHECK(what.find("e.toml:1:1: options: missing required key \"working_dir\"\n") !=
          std::string::npos);
    CHECK(std::count(what.begin(), what.end(), '\n') + 1 ==
          static_cast<long>(error.problems().size()));
  }
}
