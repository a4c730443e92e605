#include <cback/cli/options.hpp>
#include <cback/core/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using cback::Error;
using cback::ExitCode;
using cback::cli::argument_string;
using cback::cli::Options;
using cback::cli::parse_options;
using Args = std::vector<std::string>;

namespace {

// The message of the usage error `arguments` give (fails the test if none).
std::string usage_error(const Args& arguments) {
  try {
    parse_options(arguments);
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::usage);
    return error.what();
  }
  FAIL("no usage error for these arguments");
  return "";
}

} // namespace

TEST_CASE("Every flag switch is accepted in its short and long form", "[cli][options]") {
  struct Flag {
    const char* short_form;
    const char* long_form;
    bool Options::*field;
  };
  const Flag flags[] = {
      {"-b", "--verbose", &Options::verbose},
      {"-q", "--quiet", &Options::quiet},
      {"-f", "--full", &Options::full},
      {"-M", "--managed", &Options::managed},
      {"-N", "--managed-only", &Options::managed_only},
      {"-O", "--output", &Options::output},
      {"-d", "--debug", &Options::debug},
      {"-s", "--stack", &Options::stack},
  };
  for (const auto& flag : flags) {
    CAPTURE(flag.long_form);
    CHECK(parse_options({flag.short_form, "collect"}).*flag.field);
    CHECK(parse_options({flag.long_form, "collect"}).*flag.field);
    CHECK_FALSE(parse_options({"collect"}).*flag.field);
  }
}

TEST_CASE("Help, version and diagnostics need no action", "[cli][options]") {
  CHECK(parse_options({"-h"}).help);
  CHECK(parse_options({"--help"}).help);
  CHECK(parse_options({"-V"}).version);
  CHECK(parse_options({"--version"}).version);
  CHECK(parse_options({"-D"}).diagnostics);
  CHECK(parse_options({"--diagnostics"}).diagnostics);
}

TEST_CASE("Valued switches take their value in every form", "[cli][options]") {
  CHECK(parse_options({"-c", "/a.conf", "collect"}).config == "/a.conf");
  CHECK(parse_options({"--config", "/b.conf", "collect"}).config == "/b.conf");
  CHECK(parse_options({"--config=/c.conf", "collect"}).config == "/c.conf");
  CHECK(parse_options({"-c/d.conf", "collect"}).config == "/d.conf");
  CHECK(parse_options({"-l", "/x.log", "collect"}).logfile == "/x.log");
  CHECK(parse_options({"--logfile", "/y.log", "collect"}).logfile == "/y.log");

  const Options owned = parse_options({"--owner", "backup:disk", "collect"});
  CHECK(owned.owner_user == "backup");
  CHECK(owned.owner_group == "disk");
  const Options short_owned = parse_options({"-o", "a:b:c", "collect"});
  CHECK(short_owned.owner_user == "a");
  CHECK(short_owned.owner_group == "b:c"); // split at the first ':'

  CHECK(parse_options({"-m", "600", "collect"}).mode == 0600);
  CHECK(parse_options({"--mode", "0755", "collect"}).mode == 0755);
  CHECK(parse_options({"--mode=0", "collect"}).mode == 0);
}

TEST_CASE("Defaults apply when no switch is given", "[cli][options]") {
  const Options options = parse_options({"collect"});
  CHECK(options.config == "/etc/cback.conf");
  CHECK(options.logfile == "/var/log/cback.log");
  CHECK(options.owner_user == "root");
  CHECK(options.owner_group == "adm");
  CHECK(options.mode == 0640);
  CHECK_FALSE(options.given.config);
  CHECK_FALSE(options.given.logfile);
  CHECK_FALSE(options.given.owner);
  CHECK_FALSE(options.given.mode);
}

TEST_CASE("Debug implies output without changing the output flag", "[cli][options]") {
  const Options options = parse_options({"-d", "collect"});
  CHECK(options.wants_output());
  CHECK_FALSE(options.output);
  CHECK_FALSE(parse_options({"collect"}).wants_output());
}

TEST_CASE("The perf switch has a long form only", "[cli][options]") {
  CHECK(parse_options({"--perf", "collect"}).perf);
  CHECK(parse_options({"collect", "--perf"}).perf);
  CHECK_FALSE(parse_options({"collect"}).perf);
  CHECK(usage_error({"--perf=yes", "collect"}) == "option --perf must not have an argument");
  CHECK(cback::cli::usage_text().find("       --perf ") != std::string::npos);
}

TEST_CASE("The offline switch has a long form only and reaches the run flags", "[cli][options]") {
  CHECK(parse_options({"validate", "--offline"}).offline);
  CHECK(cback::cli::run_flags(parse_options({"--offline", "validate"})).offline);
  CHECK_FALSE(cback::cli::run_flags(parse_options({"validate"})).offline);
  CHECK(usage_error({"--offline=yes", "validate"}) == "option --offline must not have an argument");
  CHECK(cback::cli::usage_text().find("       --offline ") != std::string::npos);
}

TEST_CASE("Unknown switches and missing values are usage errors", "[cli][options]") {
  CHECK(usage_error({"-x", "collect"}) == "option -x not recognized");
  CHECK(usage_error({"--bogus", "collect"}) == "option --bogus not recognized");
  CHECK(usage_error({"--bogus=1", "collect"}) == "option --bogus not recognized");
  CHECK(usage_error({"--full=yes", "collect"}) == "option --full must not have an argument");
  CHECK(usage_error({"collect", "-c"}) == "option -c requires argument");
  CHECK(usage_error({"collect", "--config"}) == "option --config requires argument");
  CHECK(usage_error({"collect", "--logfile"}) == "option --logfile requires argument");
  CHECK(usage_error({"collect", "-o"}) == "option -o requires argument");
  CHECK(usage_error({"collect", "-m"}) == "option -m requires argument");
}

TEST_CASE("Bad values are usage errors", "[cli][options]") {
  CHECK(usage_error({"-c", "", "collect"}) == "The config parameter must be a non-empty string.");
  CHECK(usage_error({"--logfile=", "collect"}) ==
        "The logfile parameter must be a non-empty string.");
  CHECK(usage_error({"-o", "root", "collect"}) == "The owner must be given as user:group.");
  CHECK(usage_error({"-o", ":adm", "collect"}) == "The owner's user and group must be non-empty.");
  CHECK(usage_error({"-o", "root:", "collect"}) == "The owner's user and group must be non-empty.");
  CHECK(usage_error({"-o", "0:4", "collect"}) ==
        "The owner must name a user and a group, not numeric ids.");
  CHECK(usage_error({"-o", "root:4", "collect"}) ==
        "The owner must name a user and a group, not numeric ids.");
  const std::string bad_mode = "Mode must be an octal integer >= 0, i.e. 644.";
  CHECK(usage_error({"-m", "648", "collect"}) == bad_mode);
  CHECK(usage_error({"-m", "rw", "collect"}) == bad_mode);
  CHECK(usage_error({"-m", "-1", "collect"}) == bad_mode);
  CHECK(usage_error({"-m", "", "collect"}) == bad_mode);
  CHECK(usage_error({"-m", "17777", "collect"}) == bad_mode);
}

TEST_CASE("Managed and managed-only cannot be combined", "[cli][options]") {
  CHECK(usage_error({"-M", "-N", "collect"}) ==
        "The --managed and --managed-only options may not be combined.");
}

TEST_CASE("At least one action is needed", "[cli][options]") {
  CHECK(usage_error({}) == "At least one action must be specified.");
  CHECK(usage_error({"-b", "-f"}) == "At least one action must be specified.");
}

TEST_CASE("Switches may follow the actions", "[cli][options]") {
  const Options options = parse_options({"collect", "--full", "stage", "-c", "/x.conf"});
  CHECK(options.full);
  CHECK(options.config == "/x.conf");
  CHECK(options.actions == Args{"collect", "stage"});
}

TEST_CASE("A double dash ends the switches", "[cli][options]") {
  const Options options = parse_options({"-b", "--", "collect", "--full", "-q"});
  CHECK(options.verbose);
  CHECK_FALSE(options.full);
  CHECK_FALSE(options.quiet);
  CHECK(options.actions == Args{"collect", "--full", "-q"});
}

TEST_CASE("The last of repeated switches wins", "[cli][options]") {
  CHECK(parse_options({"-c", "/a", "--config", "/b", "-c", "/c", "collect"}).config == "/c");
  CHECK(parse_options({"--logfile", "/a", "-l", "/b", "collect"}).logfile == "/b");
  CHECK(parse_options({"-m", "600", "-m", "644", "collect"}).mode == 0644);
  const Options owned = parse_options({"-o", "a:b", "--owner", "c:d", "collect"});
  CHECK(owned.owner_user == "c");
  CHECK(owned.owner_group == "d");
}

TEST_CASE("Duplicate actions are kept in command-line order", "[cli][options]") {
  CHECK(parse_options({"collect", "purge", "collect"}).actions ==
        Args{"collect", "purge", "collect"});
}

TEST_CASE("Options can be parsed more than once in one process", "[cli][options]") {
  CHECK(parse_options({"-b", "collect"}).verbose);
  CHECK_FALSE(parse_options({"collect"}).verbose);
  CHECK(parse_options({"stage", "-f"}).full);
}

TEST_CASE("The options string is the original's normalized long form", "[cli][options]") {
  CHECK(argument_string(parse_options({"collect"})) == "\"collect\" ");
  CHECK(argument_string(parse_options({"stage", "-b", "collect", "-c", "/etc/x.conf"})) ==
        "--verbose --config \"/etc/x.conf\" \"stage\" \"collect\" ");
  CHECK(argument_string(parse_options({"-d", "-s", "-O", "-m", "600", "-o", "backup:backup", "-l",
                                       "/tmp/l.log", "-N", "-f", "-q", "purge"})) ==
        "--quiet --full --managed-only --logfile \"/tmp/l.log\" --owner \"backup:backup\" "
        "--mode 600 --output --debug --stack \"purge\" ");
  CHECK(argument_string(parse_options({"-M", "-h", "-V", "-D"})) ==
        "--help --version --managed --diagnostics ");
  CHECK(argument_string(parse_options({"--perf", "-b", "collect"})) ==
        "--verbose --perf \"collect\" ");
}

TEST_CASE("Usage and version texts name cback and its defaults", "[cli][options]") {
  const std::string usage = cback::cli::usage_text();
  CHECK(usage.find(" Usage: cback [switches] action(s)") != std::string::npos);
  CHECK(usage.find("(default: /etc/cback.conf)") != std::string::npos);
  CHECK(usage.find("(default: /var/log/cback.log)") != std::string::npos);
  CHECK(usage.find("(default: root:adm)") != std::string::npos);
  CHECK(usage.find("(default: 640)") != std::string::npos);
  const std::string version = cback::cli::version_text();
  CHECK(version.find(" cback version ") != std::string::npos);
  CHECK(version.find(" Use the --help option for usage information.") != std::string::npos);
}
