#pragma once

#include <cback/core/log.hpp>
#include <cback/core/run_flags.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace cback::cli {

/// Which valued switches were given on the command line. The "Options
/// were [...]" log line names only those, as the original does.
struct GivenValues {
  bool config = false;
  bool logfile = false;
  bool owner = false;
  bool mode = false;
};

/// The switches and actions of one invocation (docs/cback.1; docs/compatibility.md).
struct Options {
  bool help = false;                          ///< -h --help
  bool version = false;                       ///< -V --version
  bool verbose = false;                       ///< -b --verbose
  bool quiet = false;                         ///< -q --quiet
  std::string config = "/etc/cback.conf";     ///< -c --config
  bool full = false;                          ///< -f --full
  bool managed = false;                       ///< -M --managed
  bool managed_only = false;                  ///< -N --managed-only
  std::string logfile = "/var/log/cback.log"; ///< -l --logfile
  std::string owner_user = "root";            ///< -o --owner user:group
  std::string owner_group = "adm";
  mode_t mode = 0640;               ///< -m --mode (octal)
  bool output = false;              ///< -O --output, as given (debug implies it: see wants_output)
  bool debug = false;               ///< -d --debug
  bool stack = false;               ///< -s --stack
  bool diagnostics = false;         ///< -D --diagnostics
  bool perf = false;                ///< --perf (long only): timing table on stdout at the end
  bool offline = false;             ///< --offline (long only): validate reaches no peer
  std::vector<std::string> actions; ///< in command-line order, duplicates kept
  GivenValues given;

  /// -O, or -d which implies it: external command output goes to the log.
  [[nodiscard]] bool wants_output() const { return output || debug; }
};

/// For the programs with long switches of their own (cback-span,
/// cback-restore, cback-amazons3-sync), taken out of the arguments before parse_options: the
/// value of `--name VALUE` or `--name=VALUE` at args[i] (advancing i past
/// a separate value), nothing when args[i] is another word. Throws
/// cback::Error(ExitCode::usage) when the value is missing.
std::optional<std::string> long_value(const std::vector<std::string>& args, std::size_t& i,
                                      std::string_view name);

/// Parses the arguments after the program name. Switches may come before or
/// after the actions (GNU permutation, an improvement on the original, which
/// stopped at the first action); "--" ends the switches. Repeated switches:
/// the last one wins. Throws cback::Error(ExitCode::usage) for an unknown
/// switch, a missing or bad value, -M with -N, or no action (unless -h, -V
/// or -D was given).
Options parse_options(const std::vector<std::string>& arguments);

/// The normalized long form of the options, as the original logs it on the
/// "Options were [...]" line: `--verbose --config "/etc/x" "collect" ` (every
/// item followed by a space, values and actions in double quotes, the mode
/// in octal).
std::string argument_string(const Options& options);

/// The usage text (-h, and before " *** Error: ..." on a usage error).
std::string usage_text();

/// The -V block.
std::string version_text();

/// The logging the switches ask for (logfile, owner, mode, verbosity).
core::LogSettings log_settings(const Options& options);

/// What the switches ask of every action; progress only when not quiet and
/// stdout is a terminal.
core::RunFlags run_flags(const Options& options);

} // namespace cback::cli
