// The cback-span program: spans the staging data not yet written to disc
// across several discs, interactively as the original cback3-span, or without
// questions for scripts (--yes). Switches as cback's; exit codes as cback's
// (2 usage, 3 logging, 4 configuration, 5 interrupted, 6 other).

#include <cback/cli/diagnostics.hpp>
#include <cback/cli/main.hpp>
#include <cback/cli/options.hpp>
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

int code_of(ExitCode code) {
  return static_cast<int>(code);
}

Error usage_error(const std::string& message) {
  return Error(ExitCode::usage, message);
}

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

// The switches; -h, -V and -D are answered here. Positional words are
// accepted and ignored, as the original.
std::optional<int> parse(int argc, char** argv, Invocation& invocation) {
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    invocation.settings = take_span_switches(args);
    args.emplace_back("span"); // cback's parser wants an action
    invocation.options = parse_options(args);
    invocation.options.actions.clear();
    invocation.options.quiet = false; // accepted and ignored, as the original
  } catch (const Error& error) {
    std::cerr << k_usage << " *** Error: " << error.what() << "\n";
    return code_of(ExitCode::usage);
  }
  const auto& options = invocation.options;
  if (options.help) {
    std::cerr << k_usage;
    return 0;
  }
  if (options.version) {
    std::cout << fmt::format("\n Cedar Backup 'span' tool.\n Included with cback version {}.\n\n",
                             k_version);
    return 0;
  }
  if (options.diagnostics) {
    std::cout << diagnostics_block(diagnostic_values());
    return 0;
  }
  return std::nullopt;
}

std::optional<config::Config> load(core::Logger& log, const std::string& path) {
  log.info("Configuration path is [{}]", path);
  try {
    return config::load(path);
  } catch (const config::InvalidConfig& error) {
    for (const auto& problem : error.problems()) {
      log.error("Error reading or handling configuration: {}", problem.str());
    }
  } catch (const std::exception& error) {
    log.error("Error reading or handling configuration: {}", error.what());
  }
  return std::nullopt;
}

int finish(core::Logger& log, int code) {
  log.info("Cedar Backup 'span' utility run completed with status {}.", code);
  return code;
}

int run(core::Logger& log, const Invocation& invocation) {
  log.info("Cedar Backup 'span' utility run started.");
  log.info("Options were [{}]", argument_string(invocation.options));
  log.info("Logfile is [{}]", invocation.options.logfile);
  const auto config = load(log, invocation.options.config);
  if (!config) {
    return finish(log, code_of(ExitCode::config));
  }
  core::StopFlag stop;
  core::install_stop_handlers(stop);
  try {
    io::RunBackend io(io_options(*config), log);
    span::run_span(*config, invocation.settings, std::cin, std::cout, log, io, &stop);
    std::cout.flush();
    return finish(log, 0);
  } catch (const Error& error) {
    std::cout.flush();
    if (error.code() == ExitCode::interrupted) {
      log.error("Backup interrupted.");
    } else {
      log.error("Error executing backup: {}", error.what());
    }
    if (invocation.options.stack) {
      report_stack(log, error);
    }
    return finish(log, code_of(error.code()));
  } catch (const std::exception& error) {
    std::cout.flush();
    log.error("Error executing backup: {}", error.what());
    return finish(log, code_of(ExitCode::action));
  }
}

} // namespace

int span_main(int argc, char** argv) {
  std::setlocale(LC_CTYPE, "");
  Invocation invocation;
  if (const auto done = parse(argc, argv, invocation)) {
    return *done;
  }
  core::Logger log;
  try {
    log.configure(log_settings(invocation.options));
  } catch (const Error& error) {
    std::cerr << error.what() << "\n";
    return code_of(ExitCode::logging);
  }
  const int code = run(log, invocation);
  core::remove_stop_handlers();
  return code;
}

} // namespace cback::cli
