#pragma once

// How every cback-bench command reads its switches: a table of switches,
// each with one small handler that takes the switch's value.

#include <cback/core/error.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace cback::bench_common {

template <typename Options>
struct OptionEntry {
  std::string_view name;
  std::function<void(Options&, std::string_view)> apply;
};

/// Reads `args` into `options`: -h and --help set options.help; every other
/// switch is looked up in `table` and given the argument after it. Throws
/// cback::Error(usage) for a switch `command` does not know or one without
/// its value.
template <typename Options, std::size_t N>
void apply_options(const std::vector<std::string_view>& args,
                   const std::array<OptionEntry<Options>, N>& table, std::string_view command,
                   Options& options) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      options.help = true;
      continue;
    }
    const auto* entry =
        std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.name == args[i]; });
    if (entry == table.end()) {
      throw Error(ExitCode::usage, fmt::format("Unknown option [{}] for {}.", args[i], command));
    }
    if (i + 1 == args.size()) {
      throw Error(ExitCode::usage, fmt::format("{} needs a value.", args[i]));
    }
    entry->apply(options, args[++i]);
  }
}

} // namespace cback::bench_common
