// cback-restore: finds the versions of backed-up files in the staged days
// (the staging directory, a copy of it, a disc or an image) and restores
// them as they were at the end of any day (docs/cback-restore.1). The
// switches -c -b -q -l -o -m -O -d -s are cback's; exit codes as cback's
// (2 usage, 3 logging, 4 configuration, 5 interrupted, 6 other).
// s3://BUCKET[/PREFIX] reads what the amazons3 extension uploaded.

#include <cback/cli/diagnostics.hpp>
#include <cback/cli/options.hpp>
#include <cback/cli/program.hpp>
#include <cback/config/load.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/stop.hpp>
#include <cback/extend/amazons3.hpp>
#include <cback/restore/commands.hpp>
#include <cback/restore/source.hpp>
#include <cback/s3/client.hpp>
#include <cback/version.hpp>

#include <fmt/format.h>

#include <clocale>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using cback::Error;
using cback::ExitCode;
namespace restore = cback::restore;

constexpr std::string_view k_usage = R"(
 Usage: cback-restore [switches] COMMAND [arguments]

 Finds backed-up files in the staged days and restores them as they were
 at the end of any day.

 Commands:

   days     [--from SOURCE]
            The days, peers and archives available, full or incremental.
   find     [--from SOURCE] [--peer P] [--since DATE] [--until DATE] PATTERN...
            Every version of every path matching a PATTERN (a glob on the
            original absolute path; ** crosses directories).
   extract  [--from SOURCE] --date DATE [--peer P] --to DIR [--overwrite]
            [--dry-run] PATH...
            Each PATH (a file or a whole tree, by its original absolute
            path) as it was at the end of DATE, written below DIR.
   verify   [--from SOURCE] [--date DATE]
            Every archive against its manifest, and readable to its end.

 SOURCE is "staging" (the configured staging directory, the default), a
 directory laid out as it is (a copy, a mounted disc), a disc image file
 (stdio:PATH or PATH) or a disc in a drive (/dev/srN), read without
 mounting, or s3://BUCKET[/PREFIX], what the amazons3 extension uploaded
 (keys, region and endpoint as the extension finds them). DATE is
 YYYY-MM-DD.

 Switches, as cback's:

   -h, --help     Display this usage/help listing
   -V, --version  Display version information
   -b, --verbose  Print verbose output as well as logging to disk
   -q, --quiet    Run quietly (display no output to the screen)
   -c, --config   Path to config file (default: /etc/cback.conf)
   -l, --logfile  Path to logfile (default: /var/log/cback.log)
   -o, --owner    Logfile ownership, user:group (default: root:adm)
   -m, --mode     Octal logfile permissions mode (default: 640)
   -O, --output   Record some sub-command output to the log
   -d, --debug    Write debugging information to the log (implies --output)
   -s, --stack    Dump a stack trace instead of swallowing exceptions

 Exit codes: 0 success, 2 usage, 3 logging, 4 configuration,
 5 interrupted, 6 an error (a damaged archive, a refused path).

)";

using cback::cli::usage_error;

/// The switches of cback-restore alone.
struct RestoreSwitches {
  std::optional<std::string> from;
  std::optional<std::string> peer;
  std::optional<std::string> since;
  std::optional<std::string> until;
  std::optional<std::string> date;
  std::optional<std::string> to;
  bool overwrite = false;
  bool dry_run = false;
};

struct Invocation {
  cback::cli::Options options;
  RestoreSwitches switches;
  std::string command;
  std::vector<std::string> arguments;
};

using ValueSwitch = std::pair<std::string_view, std::optional<std::string> RestoreSwitches::*>;
constexpr ValueSwitch k_value_switches[] = {
    {"from", &RestoreSwitches::from},   {"peer", &RestoreSwitches::peer},
    {"since", &RestoreSwitches::since}, {"until", &RestoreSwitches::until},
    {"date", &RestoreSwitches::date},   {"to", &RestoreSwitches::to},
};

// Takes the switches of cback-restore out of `args` (up to a "--"); the
// rest are cback's switches and the positional words.
RestoreSwitches take_restore_switches(std::vector<std::string>& args) {
  RestoreSwitches switches;
  std::vector<std::string> rest;
  std::size_t i = 0;
  for (; i < args.size() && args[i] != "--"; ++i) {
    bool taken = false;
    for (const auto& [name, member] : k_value_switches) {
      if (const auto value = cback::cli::long_value(args, i, name)) {
        switches.*member = *value;
        taken = true;
        break;
      }
    }
    if (args[i] == "--overwrite") {
      switches.overwrite = taken = true;
    } else if (args[i] == "--dry-run") {
      switches.dry_run = taken = true;
    }
    if (!taken) {
      rest.push_back(args[i]);
    }
  }
  rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  args = std::move(rest);
  return switches;
}

const std::string k_version_block =
    fmt::format("\n cback-restore, included with cback version {}.\n\n", cback::k_version);
const cback::cli::ProgramText k_text{k_usage, k_version_block, "cback-restore", "restoring",
                                     "Restore interrupted."};

// The first word is the command, the others its arguments.
void take_command(cback::cli::Options& options, Invocation& invocation) {
  auto& words = options.actions;
  if (words.empty()) {
    if (!options.help && !options.version && !options.diagnostics) {
      throw usage_error("No command given.");
    }
    return;
  }
  invocation.command = words.front();
  invocation.arguments.assign(words.begin() + 1, words.end());
}

restore::Day date_switch(const std::optional<std::string>& text, std::string_view name) {
  const auto day = cback::core::parse_date(text.value_or(""));
  if (!day) {
    throw usage_error(
        fmt::format("--{} needs a date as YYYY-MM-DD, not \"{}\".", name, text.value_or("")));
  }
  return *day;
}

std::optional<restore::Day> optional_date(const std::optional<std::string>& text,
                                          std::string_view name) {
  if (!text) {
    return std::nullopt;
  }
  return date_switch(text, name);
}

/// What a sub-command has to work with.
struct Run {
  const Invocation& invocation;
  const cback::config::Config& config;
  cback::core::Logger& log;
  cback::core::StopFlag& stop;
};

// The client the amazons3 extension would build from the configuration:
// its profile, region and endpoint_url, else the AWS CLI's settings.
std::unique_ptr<cback::s3::Client> s3_client(const Run& run) {
  namespace s3 = cback::s3;
  s3::ClientOptions options;
  options.settings = s3::resolve_settings(cback::extend::amazons3_settings_request(run.config),
                                          s3::process_environment());
  return std::make_unique<s3::Client>(std::move(options), run.log, &run.stop);
}

std::unique_ptr<restore::Source> open_source(const Run& run) {
  const auto& from = run.invocation.switches.from;
  if (from && from->starts_with("s3://")) {
    return restore::open_s3_source(s3_client(run), cback::s3::parse_location(*from), run.log);
  }
  if (!from || *from == "staging") {
    if (!run.config.stage || run.config.stage->staging_dir.empty()) {
      throw Error(ExitCode::config,
                  "The configuration has no staging directory: give --from SOURCE.");
    }
    return restore::open_directory_source(run.config.stage->staging_dir);
  }
  // A directory is read as one; anything else (stdio:PATH, an image
  // file, /dev/srN) is a disc or its image, read without mounting.
  std::error_code error;
  if (!from->starts_with("stdio:") && std::filesystem::is_directory(*from, error)) {
    return restore::open_directory_source(*from);
  }
  return restore::open_image_source(*from);
}

// How much a command read from its source, for the log: what a restore
// from a bucket or a slow drive cost.
void log_read(const Run& run, const restore::Source& source) {
  run.log.info("Read {} bytes from the {}.", source.bytes_read(), source.describe());
}

int days_command(const Run& run) {
  if (!run.invocation.arguments.empty()) {
    throw usage_error("days takes no arguments.");
  }
  const auto source = open_source(run);
  restore::History history(*source, run.config);
  restore::list_days(history, std::cout);
  log_read(run, *source);
  return 0;
}

int find_command(const Run& run) {
  const auto& switches = run.invocation.switches;
  restore::FindRequest request;
  if (run.invocation.arguments.empty()) {
    throw usage_error("find needs at least one PATTERN.");
  }
  for (const auto& text : run.invocation.arguments) {
    request.patterns.emplace_back(text);
  }
  request.peer = switches.peer;
  request.since = optional_date(switches.since, "since");
  request.until = optional_date(switches.until, "until");
  const auto source = open_source(run);
  restore::History history(*source, run.config);
  const auto result = restore::find_versions(history, request, std::cout);
  log_read(run, *source);
  if (!result.damaged.empty()) {
    for (const auto& damage : result.damaged) {
      run.log.error("{}", damage);
    }
    throw Error(ExitCode::action,
                fmt::format("{} archive{} could not be read.", result.damaged.size(),
                            result.damaged.size() == 1 ? "" : "s"));
  }
  return 0;
}

int extract_command(const Run& run) {
  const auto& switches = run.invocation.switches;
  restore::ExtractRequest request;
  request.date = date_switch(switches.date, "date");
  if (!switches.to) {
    throw usage_error("extract needs --to DIR.");
  }
  request.to = *switches.to;
  request.peer = switches.peer;
  request.paths = run.invocation.arguments;
  if (request.paths.empty()) {
    throw usage_error("extract needs at least one PATH.");
  }
  for (const auto& path : request.paths) {
    if (!path.starts_with('/')) {
      throw usage_error(fmt::format("[{}] is not an absolute path.", path));
    }
  }
  request.overwrite = switches.overwrite ? restore::Overwrite::yes : restore::Overwrite::no;
  request.dry_run = switches.dry_run;
  cback::cli::ProgressScreen screen(run.log, cback::cli::run_flags(run.invocation.options));
  request.progress = &screen.board();
  const auto source = open_source(run);
  restore::History history(*source, run.config);
  const auto report = restore::extract(history, request, run.log, run.stop, std::cout);
  log_read(run, *source);
  if (!report.refused.empty()) {
    throw Error(ExitCode::action, fmt::format("{} entr{} not restored: {}", report.refused.size(),
                                              report.refused.size() == 1 ? "y was" : "ies were",
                                              report.refused.front()));
  }
  const std::string summary =
      fmt::format("{} {} entries ({}) into [{}].", request.dry_run ? "Would restore" : "Restored",
                  report.entries, cback::core::display_bytes(static_cast<double>(report.bytes)),
                  request.to.string());
  run.log.info("{}", summary);
  if (!run.invocation.options.quiet && !run.invocation.options.verbose) {
    std::cout << summary << "\n";
  }
  return 0;
}

int verify_command(const Run& run) {
  if (!run.invocation.arguments.empty()) {
    throw usage_error("verify takes no arguments.");
  }
  const auto date = optional_date(run.invocation.switches.date, "date");
  const auto source = open_source(run);
  restore::History history(*source, run.config);
  const auto report = restore::verify(history, date, run.stop, std::cout);
  log_read(run, *source);
  if (!report.damaged.empty()) {
    for (const auto& damage : report.damaged) {
      run.log.error("{} ({})", damage, source->describe());
    }
    throw Error(ExitCode::action, fmt::format("{} of {} archives damaged or missing.",
                                              report.damaged.size(), report.checked));
  }
  return 0;
}

using Command = std::pair<std::string_view, int (*)(const Run&)>;
constexpr Command k_commands[] = {
    {"days", &days_command},
    {"find", &find_command},
    {"extract", &extract_command},
    {"verify", &verify_command},
};

// The configuration: the one given, or cback's default; with --from and no
// -c, a missing default file is no error (a disc restored on another
// machine), and nothing is known of the items but what the archives say.
std::optional<cback::config::Config> load(cback::core::Logger& log, const Invocation& invocation) {
  const auto& path = invocation.options.config;
  std::error_code error;
  if (!invocation.options.given.config && invocation.switches.from &&
      !std::filesystem::exists(path, error)) {
    log.info("No configuration at [{}]; reading the source alone.", path);
    return cback::config::Config{};
  }
  return cback::cli::load_configuration(log, path);
}

int dispatch(const Run& run) {
  for (const auto& [name, handler] : k_commands) {
    if (name == run.invocation.command) {
      return handler(run);
    }
  }
  throw usage_error(
      fmt::format("Unknown command \"{}\" (days, find, extract, verify).", run.invocation.command));
}

int run_command(cback::core::Logger& log, const Invocation& invocation,
                cback::core::StopFlag& stop) {
  const auto config = load(log, invocation);
  if (!config) {
    return static_cast<int>(ExitCode::config);
  }
  return dispatch(Run{invocation, *config, log, stop});
}

} // namespace

int main(int argc, char** argv) {
  Invocation invocation;
  const auto take_own = [&](std::vector<std::string>& args) {
    invocation.switches = take_restore_switches(args);
  };
  const auto check = [&](cback::cli::Options& options) { take_command(options, invocation); };
  if (const auto done =
          cback::cli::parse_program(argc, argv, k_text, invocation.options, take_own, check)) {
    return *done;
  }
  return cback::cli::run_program(invocation.options, k_text,
                                 [&](cback::core::Logger& log, cback::core::StopFlag& stop) {
                                   return run_command(log, invocation, stop);
                                 });
}
