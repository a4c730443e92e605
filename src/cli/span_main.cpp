// The cback-span program: spans the staging data not yet written to disc
// across several discs, interactively as the original cback3-span, or without
// questions for scripts (--yes). Switches as cback's; exit codes as cback's
// (2 usage, 3 logging, 4 configuration, 5 interrupted, 6 other).

#include <cback/cli/diagnostics.hpp>
#include <cback/cli/main.hpp>
#include <cback/cli/options.hpp>
#include <cback/cli/program.hpp>
#include <cback/config/load.hpp>
#include <cback/config/values.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/stop.hpp>
#include <cback/io/run_backend.hpp>
#include <cback/span/tool.hpp>
#include <cback/version.hpp>

#include <fmt/format.h>

#include <clocale>
#include <cmath>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace cback::cli {
namespace {

constexpr std::string_view k_usage = R"(
 Usage: cback-span [switches]

 Cedar Backup 'span' tool.

 This Cedar Backup utility spans staged data between multiple discs.
 It is a utility, not an extension, and requires user interaction
 unless --yes is given.

 The following switches are accepted, mostly to set up underlying
 Cedar Backup functionality:

   -h, --help     Display this usage/help listing
   -V, --version  Display version information
   -b, --verbose  Print verbose output as well as logging to disk
   -c, --config   Path to config file (default: /etc/cback.conf)
   -l, --logfile  Path to logfile (default: /var/log/cback.log)
   -o, --owner    Logfile ownership, user:group (default: root:adm)
   -m, --mode     Octal logfile permissions mode (default: 640)
   -O, --output   Record some sub-command (i.e. tar) output to the log
   -d, --debug    Write debugging information to the log (implies --output)
   -s, --stack    Dump a stack trace instead of swallowing exceptions

 Switches of cback-span alone (long form only):

   --yes                 Ask nothing: take the defaults and the values below
   --algorithm NAME      first, best, worst or alternate (default: worst)
   --cushion PERCENT     Capacity set aside (default: 4.50)
   --capacity SIZE       Disc capacity instead of the media type's
                         (bytes, or with KB, MB or GB)
   --image-pattern PATH  Write disc N to the image stdio:PATH, every %d in
                         PATH replaced by N (e.g. /backup/disc-%d.iso)
   --dry-run             Show the plan and write nothing

)";

void apply_value(span::SpanSettings& settings, std::string_view name, const std::string& value) {
  if (name == "algorithm") {
    settings.algorithm = span::algorithm_named(value);
    if (!settings.algorithm) {
      throw usage_error(
          fmt::format("Unknown algorithm \"{}\" (first, best, worst, alternate).", value));
    }
  } else if (name == "cushion") {
    settings.cushion = config::parse_python_float(value);
    if (!settings.cushion || *settings.cushion < 0 || *settings.cushion >= 100) {
      throw usage_error(fmt::format("The cushion \"{}\" is not a percentage below 100.", value));
    }
  } else if (name == "capacity") {
    std::string why;
    const auto size = config::parse_byte_quantity(value, why);
    if (!size || size->bytes < 1) {
      throw usage_error(fmt::format("Bad capacity \"{}\": {}", value,
                                    why.empty() ? "must be at least one byte" : why));
    }
    settings.capacity = static_cast<std::int64_t>(std::floor(size->bytes));
  } else {
    settings.image_pattern = value;
  }
}

// Takes the switches of cback-span out of `args`; the rest are cback's.
span::SpanSettings take_span_switches(std::vector<std::string>& args) {
  span::SpanSettings settings;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    bool taken = false;
    for (const std::string_view name : {"algorithm", "cushion", "capacity", "image-pattern"}) {
      if (const auto value = long_value(args, i, name)) {
        apply_value(settings, name, *value);
        taken = true;
        break;
      }
    }
    if (args[i] == "--yes") {
      settings.interactive = false;
      taken = true;
    } else if (args[i] == "--dry-run") {
      settings.dry_run = true;
      taken = true;
    }
    if (!taken) {
      rest.push_back(args[i]);
    }
  }
  args = std::move(rest);
  return settings;
}

struct Invocation {
  Options options;
  span::SpanSettings settings;
};

const std::string k_version_block =
    fmt::format("\n Cedar Backup 'span' tool.\n Included with cback version {}.\n\n", k_version);
const ProgramText k_text{k_usage, k_version_block, "Cedar Backup 'span' utility",
                         "executing backup", "Backup interrupted."};

int run(core::Logger& log, const Invocation& invocation, core::StopFlag& stop) {
  log.info("Logfile is [{}]", invocation.options.logfile);
  const auto config = load_configuration(log, invocation.options.config);
  if (!config) {
    return static_cast<int>(ExitCode::config);
  }
  io::RunBackend io(io_options(*config), log);
  span::run_span(*config, invocation.settings, std::cin, std::cout, log, io, &stop);
  return 0;
}

} // namespace

int span_main(int argc, char** argv) {
  Invocation invocation;
  // Positional words are accepted and ignored, as the original.
  const auto take_own = [&](std::vector<std::string>& args) {
    invocation.settings = take_span_switches(args);
    args.emplace_back("span"); // cback's parser wants an action
  };
  const auto check = [](Options& options) {
    options.actions.clear();
    options.quiet = false; // accepted and ignored, as the original
  };
  if (const auto done = parse_program(argc, argv, k_text, invocation.options, take_own, check)) {
    return *done;
  }
  return run_program(invocation.options, k_text, [&](core::Logger& log, core::StopFlag& stop) {
    return run(log, invocation, stop);
  });
}

} // namespace cback::cli
