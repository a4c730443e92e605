// cback-config: converts a configuration to TOML (or back to the legacy
// XML) and checks configurations of either format (legacy Cedar Backup XML
// or TOML).

#include <cback/config/load.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/error.hpp>
#include <cback/version.hpp>

#include <fmt/format.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view k_usage =
    "Usage: cback-config convert FILE [--to toml|xml] [-o OUT]\n"
    "       cback-config check FILE\n"
    "       cback-config -h|--help | -V|--version\n"
    "\n"
    "  convert FILE   print the TOML equivalent of FILE (TOML or legacy XML),\n"
    "                 or with --to xml its legacy XML (for Cedar Backup 3);\n"
    "                 with -o OUT, write it to OUT instead (atomically, with\n"
    "                 FILE's mode, at most 0600 when it holds a password)\n"
    "  check FILE     load and check FILE alone (not the machine: see\n"
    "                 cback validate); print every problem found\n"
    "\n"
    "Exit codes: 0 success, 2 usage error, 4 invalid configuration.\n";

enum class Verb { help, version, convert, check };

struct Command {
  Verb verb = Verb::help;
  std::string file;
  std::optional<std::string> out;
  cback::config::Format to = cback::config::Format::toml;
};

struct UsageError {
  std::string message;
};

cback::config::Format parse_format(std::string_view name) {
  if (name == "toml") {
    return cback::config::Format::toml;
  }
  if (name == "xml") {
    return cback::config::Format::xml;
  }
  throw UsageError{fmt::format("unknown format \"{}\" (toml or xml)", name)};
}

Command parse_arguments(const std::vector<std::string_view>& args) {
  if (args.empty()) {
    throw UsageError{"no command given"};
  }
  Command command;
  if (args[0] == "-h" || args[0] == "--help") {
    command.verb = Verb::help;
    return command;
  }
  if (args[0] == "-V" || args[0] == "--version") {
    command.verb = Verb::version;
    return command;
  }
  if (args[0] != "convert" && args[0] != "check") {
    throw UsageError{fmt::format("unknown command \"{}\"", args[0])};
  }
  command.verb = args[0] == "convert" ? Verb::convert : Verb::check;
  bool to_given = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "-o" || args[i] == "--output") && command.verb == Verb::convert) {
      if (i + 1 == args.size() || command.out) {
        throw UsageError{"-o needs exactly one file name"};
      }
      command.out = std::string(args[++i]);
    } else if (args[i] == "--to" && command.verb == Verb::convert) {
      if (i + 1 == args.size() || to_given) {
        throw UsageError{"--to needs exactly one format, toml or xml"};
      }
      to_given = true;
      command.to = parse_format(args[++i]);
    } else if (args[i].starts_with("-") && args[i] != "-") {
      throw UsageError{fmt::format("unknown option \"{}\"", args[i])};
    } else if (command.file.empty()) {
      command.file = std::string(args[i]);
    } else {
      throw UsageError{fmt::format("unexpected argument \"{}\"", args[i])};
    }
  }
  if (command.file.empty()) {
    throw UsageError{"no configuration file given"};
  }
  return command;
}

/// The mode of a file converted from `source`: the source's permission
/// bits, and never wider than 0600 when `config` holds a password (a
/// source readable by others does not make its copy so).
mode_t converted_mode(const std::string& source, const cback::config::Config& config) {
  struct stat status {};
  if (::stat(source.c_str(), &status) != 0) {
    throw cback::Error(cback::ExitCode::config,
                       fmt::format("cannot stat {}: {}", source, std::strerror(errno)));
  }
  const mode_t source_mode = status.st_mode & 0777;
  const mode_t mode = config.holds_password() ? (source_mode & 0600) : source_mode;
  if (mode != source_mode) {
    fmt::print(
        stderr,
        "cback-config: {} holds a password: the converted file gets mode {:04o}, not {:04o}\n",
        source, mode, source_mode);
  }
  return mode;
}

void convert(const Command& command) {
  const cback::config::Config config = cback::config::load(command.file);
  const std::string text = command.to == cback::config::Format::xml
                               ? cback::config::to_xml(config)
                               : cback::config::to_toml(config);
  // What is written must load: a configuration holding what the other
  // syntax cannot (a site's Python module in TOML) is refused here, with
  // the load's own message, and nothing is written.
  cback::config::parse(text,
                       fmt::format("{} converted to {}", command.file,
                                   command.to == cback::config::Format::xml ? "XML" : "TOML"));
  if (!command.out) {
    fmt::print("{}", text);
    return;
  }
  // Through OUT.partial, synced and renamed: a crash never leaves a
  // half-written file under the final name. The .partial is created with
  // at most `mode` (less the umask), so the text is never readable by more
  // than the final mode allows; fchmod then gives exactly `mode`.
  const mode_t mode = converted_mode(command.file, config);
  cback::core::AtomicFile file(*command.out, mode);
  if (::fchmod(file.fd(), mode) != 0) {
    throw cback::Error(cback::ExitCode::action,
                       fmt::format("cannot set the mode of {}: {}", file.partial_path().string(),
                                   std::strerror(errno)));
  }
  file.write(text);
  file.commit();
}

int run(const Command& command) {
  switch (command.verb) {
  case Verb::help:
    std::fputs(k_usage.data(), stdout);
    return 0;
  case Verb::version:
    fmt::print("cback-config {}\n", cback::k_version);
    return 0;
  case Verb::check:
    cback::config::load(command.file);
    fmt::print("{}: configuration is valid\n", command.file);
    return 0;
  case Verb::convert:
    convert(command);
    return 0;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  try {
    return run(parse_arguments(args));
  } catch (const UsageError& error) {
    fmt::print(stderr, "cback-config: {}\n\n{}", error.message, k_usage);
    return static_cast<int>(cback::ExitCode::usage);
  } catch (const cback::config::InvalidConfig& error) {
    for (const cback::config::Problem& problem : error.problems()) {
      fmt::print(stderr, "{}\n", problem.str());
    }
    return static_cast<int>(error.code());
  } catch (const cback::Error& error) {
    fmt::print(stderr, "cback-config: error: {}\n", error.what());
    return static_cast<int>(error.code());
  }
}
