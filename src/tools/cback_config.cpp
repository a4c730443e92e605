// cback-config: converts a configuration to TOML and checks configurations
// of either format (legacy Cedar Backup XML or TOML).

#include <cback/config/load.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/error.hpp>
#include <cback/version.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view k_usage =
    "Usage: cback-config convert FILE [-o OUT]\n"
    "       cback-config check FILE\n"
    "       cback-config -h|--help | -V|--version\n"
    "\n"
    "  convert FILE   print the TOML equivalent of FILE (TOML or legacy XML);\n"
    "                 with -o OUT, write it to OUT instead (atomically)\n"
    "  check FILE     load and validate FILE; print every problem found\n"
    "\n"
    "Exit codes: 0 success, 2 usage error, 4 invalid configuration.\n";

enum class Verb { help, version, convert, check };

struct Command {
  Verb verb = Verb::help;
  std::string file;
  std::optional<std::string> out;
};

struct UsageError {
  std::string message;
};

Command parse_arguments(const std::vector<std::string_view>& args) {
  if (args.empty()) {
    throw UsageError{"no command given"};
  }
  if (args[0] == "-h" || args[0] == "--help") {
    return Command{Verb::help, {}, {}};
  }
  if (args[0] == "-V" || args[0] == "--version") {
    return Command{Verb::version, {}, {}};
  }
  if (args[0] != "convert" && args[0] != "check") {
    throw UsageError{fmt::format("unknown command \"{}\"", args[0])};
  }
  Command command{args[0] == "convert" ? Verb::convert : Verb::check, {}, {}};
  for (std::size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "-o" || args[i] == "--output") && command.verb == Verb::convert) {
      if (i + 1 == args.size() || command.out) {
        throw UsageError{"-o needs exactly one file name"};
      }
      command.out = std::string(args[++i]);
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
  case Verb::convert: {
    const std::string text = cback::config::to_toml(cback::config::load(command.file));
    if (command.out) {
      // Through OUT.partial, synced and renamed: a crash never leaves a
      // half-written file under the final name.
      cback::core::AtomicFile file(*command.out, 0644);
      file.write(text);
      file.commit();
    } else {
      fmt::print("{}", text);
    }
    return 0;
  }
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
