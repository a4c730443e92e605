#include <cback/cli/options.hpp>

#include <cback/cli/program.hpp>

#include <cback/core/error.hpp>
#include <cback/version.hpp>

#include <fmt/format.h>
#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace cback::cli {
namespace {

// ------------------------------------------------------------- the handlers
// One small function per switch; `value` is empty for switches without one.

using Apply = void (*)(Options& options, const std::string& value);

void set_config(Options& options, const std::string& value) {
  if (value.empty()) {
    throw usage_error("The config parameter must be a non-empty string.");
  }
  options.config = value;
  options.given.config = true;
}

void set_logfile(Options& options, const std::string& value) {
  if (value.empty()) {
    throw usage_error("The logfile parameter must be a non-empty string.");
  }
  options.logfile = value;
  options.given.logfile = true;
}

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// user:group, split at the first ':'. Names only: the logfile is created
// with these, and the man page has always said numbers are not accepted.
void set_owner(Options& options, const std::string& value) {
  const auto colon = value.find(':');
  if (colon == std::string::npos) {
    throw usage_error("The owner must be given as user:group.");
  }
  const std::string user = value.substr(0, colon);
  const std::string group = value.substr(colon + 1);
  if (user.empty() || group.empty()) {
    throw usage_error("The owner's user and group must be non-empty.");
  }
  if (all_digits(user) || all_digits(group)) {
    throw usage_error("The owner must name a user and a group, not numeric ids.");
  }
  options.owner_user = user;
  options.owner_group = group;
  options.given.owner = true;
}

void set_mode(Options& options, const std::string& value) {
  constexpr unsigned long k_max_mode = 07777;
  const bool octal = !value.empty() && std::all_of(value.begin(), value.end(),
                                                   [](char c) { return c >= '0' && c <= '7'; });
  const unsigned long mode = octal && value.size() <= 6 ? std::stoul(value, nullptr, 8) : 0;
  if (!octal || mode > k_max_mode) {
    throw usage_error("Mode must be an octal integer >= 0, i.e. 644.");
  }
  options.mode = static_cast<mode_t>(mode);
  options.given.mode = true;
}

// getopt's code for a switch without a short form: above every char, so it
// never appears in the short option list.
constexpr int k_perf_code = 0x100;
constexpr int k_offline_code = 0x101;

struct Switch {
  int short_name; ///< a char, or a code above 0xff for a long-only switch
  const char* long_name;
  bool takes_value;
  Apply apply;
};

// The switch table (man page): getopt's short and long option lists are
// both built from it, so a switch is defined in exactly one place.
constexpr std::array k_switches{
    Switch{'h', "help", false, [](Options& o, const std::string&) { o.help = true; }},
    Switch{'V', "version", false, [](Options& o, const std::string&) { o.version = true; }},
    Switch{'b', "verbose", false, [](Options& o, const std::string&) { o.verbose = true; }},
    Switch{'q', "quiet", false, [](Options& o, const std::string&) { o.quiet = true; }},
    Switch{'c', "config", true, &set_config},
    Switch{'f', "full", false, [](Options& o, const std::string&) { o.full = true; }},
    Switch{'M', "managed", false, [](Options& o, const std::string&) { o.managed = true; }},
    Switch{'N', "managed-only", false,
           [](Options& o, const std::string&) { o.managed_only = true; }},
    Switch{'l', "logfile", true, &set_logfile},
    Switch{'o', "owner", true, &set_owner},
    Switch{'m', "mode", true, &set_mode},
    Switch{'O', "output", false, [](Options& o, const std::string&) { o.output = true; }},
    Switch{'d', "debug", false, [](Options& o, const std::string&) { o.debug = true; }},
    Switch{'s', "stack", false, [](Options& o, const std::string&) { o.stack = true; }},
    Switch{'D', "diagnostics", false, [](Options& o, const std::string&) { o.diagnostics = true; }},
    Switch{k_perf_code, "perf", false, [](Options& o, const std::string&) { o.perf = true; }},
    Switch{k_offline_code, "offline", false,
           [](Options& o, const std::string&) { o.offline = true; }},
};

const Switch* find_switch(int short_name) {
  for (const auto& entry : k_switches) {
    if (entry.short_name == short_name) {
      return &entry;
    }
  }
  return nullptr;
}

// "-" first: non-options are returned in order as code 1, so actions are
// collected wherever they stand, whatever POSIXLY_CORRECT says. ":" next:
// a missing value is reported as ':' and unknown switches as '?', silently,
// so that the messages are ours.
std::string short_options() {
  std::string result = "-:";
  for (const auto& entry : k_switches) {
    if (entry.short_name > 0xff) {
      continue;
    }
    result += static_cast<char>(entry.short_name);
    if (entry.takes_value) {
      result += ':';
    }
  }
  return result;
}

std::vector<option> long_options() {
  std::vector<option> result;
  for (const auto& entry : k_switches) {
    result.push_back(option{entry.long_name, entry.takes_value ? required_argument : no_argument,
                            nullptr, entry.short_name});
  }
  result.push_back(option{nullptr, 0, nullptr, 0});
  return result;
}

// --------------------------------------------------------- getopt's errors

// The word getopt stopped at, as the user typed it ("--conf=x" -> "--conf").
std::string offending_long(const char* word) {
  std::string_view text = word;
  return std::string(text.substr(0, text.find('=')));
}

Error unknown_switch(const char* word, int short_name) {
  if (std::string_view(word).starts_with("--")) {
    if (short_name != 0) {
      return usage_error(fmt::format("option {} must not have an argument", offending_long(word)));
    }
    return usage_error(fmt::format("option {} not recognized", offending_long(word)));
  }
  return usage_error(fmt::format("option -{} not recognized", static_cast<char>(short_name)));
}

Error missing_value(const char* word, int short_name) {
  if (std::string_view(word).starts_with("--")) {
    return usage_error(fmt::format("option {} requires argument", offending_long(word)));
  }
  return usage_error(fmt::format("option -{} requires argument", static_cast<char>(short_name)));
}

void check_combination(const Options& options) {
  if (!options.help && !options.version && !options.diagnostics && options.actions.empty()) {
    throw usage_error("At least one action must be specified.");
  }
  if (options.managed && options.managed_only) {
    throw usage_error("The --managed and --managed-only options may not be combined.");
  }
}

} // namespace

std::optional<std::string> long_value(const std::vector<std::string>& args, std::size_t& i,
                                      std::string_view name) {
  const std::string& arg = args[i];
  const std::string flag = fmt::format("--{}", name);
  if (arg.starts_with(flag + "=")) {
    return arg.substr(flag.size() + 1);
  }
  if (arg != flag) {
    return std::nullopt;
  }
  if (i + 1 == args.size()) {
    throw Error(ExitCode::usage, fmt::format("Option {} needs a value.", flag));
  }
  return args[++i];
}

Options parse_options(const std::vector<std::string>& arguments) {
  std::vector<std::string> words{"cback"};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& word : words) {
    argv.push_back(word.data());
  }
  argv.push_back(nullptr);
  const int argc = static_cast<int>(words.size());
  const std::string shorts = short_options();
  const std::vector<option> longs = long_options();

  Options options;
  optind = 0; // 0, not 1: glibc then re-initializes fully (needed to parse twice)
  opterr = 0;
  for (int code = 0;
       (code = getopt_long(argc, argv.data(), shorts.c_str(), longs.data(), nullptr)) != -1;) {
    if (code == 1) {
      options.actions.emplace_back(optarg);
    } else if (code == '?') {
      throw unknown_switch(argv[static_cast<std::size_t>(optind - 1)], optopt);
    } else if (code == ':') {
      throw missing_value(argv[static_cast<std::size_t>(optind - 1)], optopt);
    } else {
      find_switch(code)->apply(options, optarg != nullptr ? optarg : "");
    }
  }
  for (int i = optind; i < argc; ++i) { // what follows "--"
    options.actions.emplace_back(argv[static_cast<std::size_t>(i)]);
  }
  check_combination(options);
  return options;
}

std::string argument_string(const Options& options) {
  std::string out;
  const auto flag = [&out](bool on, std::string_view name) {
    if (on) {
      out += fmt::format("--{} ", name);
    }
  };
  flag(options.help, "help");
  flag(options.version, "version");
  flag(options.verbose, "verbose");
  flag(options.quiet, "quiet");
  if (options.given.config) {
    out += fmt::format("--config \"{}\" ", options.config);
  }
  flag(options.full, "full");
  flag(options.managed, "managed");
  flag(options.managed_only, "managed-only");
  if (options.given.logfile) {
    out += fmt::format("--logfile \"{}\" ", options.logfile);
  }
  if (options.given.owner) {
    out += fmt::format("--owner \"{}:{}\" ", options.owner_user, options.owner_group);
  }
  if (options.given.mode) {
    out += fmt::format("--mode {:o} ", options.mode);
  }
  flag(options.output, "output");
  flag(options.debug, "debug");
  flag(options.stack, "stack");
  flag(options.diagnostics, "diagnostics");
  flag(options.perf, "perf");
  flag(options.offline, "offline");
  for (const auto& action : options.actions) {
    out += fmt::format("\"{}\" ", action);
  }
  return out;
}

std::string usage_text() {
  const Options defaults;
  return fmt::format(
      R"(
 Usage: cback [switches] action(s)

 The following switches are accepted:

   -h, --help         Display this usage/help listing
   -V, --version      Display version information
   -b, --verbose      Print verbose output as well as logging to disk
   -q, --quiet        Run quietly (display no output to the screen)
   -c, --config       Path to config file (default: {})
   -f, --full         Perform a full backup, regardless of configuration
   -M, --managed      Include managed clients when executing actions
   -N, --managed-only Include ONLY managed clients when executing actions
   -l, --logfile      Path to logfile (default: {})
   -o, --owner        Logfile ownership, user:group (default: {}:{})
   -m, --mode         Octal logfile permissions mode (default: {:o})
   -O, --output       Record some sub-command output to the log
   -d, --debug        Write debugging information to the log (implies --output)
   -s, --stack        Also print where an error came from (a stack trace)
   -D, --diagnostics  Print runtime diagnostics to the screen and exit
       --perf         Print a timing and throughput table at the end
       --offline      validate: do not reach the peers or run gpg

 The following actions may be specified:

   all                Take all normal actions (collect, stage, store, purge)
   collect            Take the collect action
   stage              Take the stage action
   store              Take the store action
   purge              Take the purge action
   rebuild            Rebuild "this week's" disc if possible
   validate           Validate configuration only
   initialize         Initialize media for use with Cedar Backup

 You may also specify extended actions that have been defined in
 configuration.

 You must specify at least one action to take.  More than one of
 the "collect", "stage", "store" or "purge" actions and/or
 extended actions may be specified in any arbitrary order; they
 will be executed in a sensible order.  The "all", "rebuild",
 "validate", and "initialize" actions may not be combined with
 other actions.  Switches may come before or after the actions;
 "--" ends the switches.

)",
      defaults.config, defaults.logfile, defaults.owner_user, defaults.owner_group, defaults.mode);
}

std::string version_text() {
  return fmt::format(R"(
 cback version {}.

 A reimplementation of Cedar Backup (by Kenneth J. Pronovici).
 This is free software; see the source for copying conditions.
 There is NO warranty.

 Use the --help option for usage information.

)",
                     k_version);
}

core::LogSettings log_settings(const Options& options) {
  core::LogSettings settings;
  settings.logfile = options.logfile;
  settings.owner_user = options.owner_user;
  settings.owner_group = options.owner_group;
  settings.mode = options.mode;
  settings.verbose = options.verbose;
  settings.quiet = options.quiet;
  settings.debug = options.debug;
  settings.output = options.output;
  return settings;
}

core::RunFlags run_flags(const Options& options) {
  core::RunFlags flags;
  flags.full = options.full ? core::Full::yes : core::Full::no;
  flags.quiet = options.quiet;
  flags.verbose = options.verbose;
  flags.progress = !options.quiet && ::isatty(STDOUT_FILENO) == 1;
  flags.offline = options.offline;
  return flags;
}

} // namespace cback::cli
