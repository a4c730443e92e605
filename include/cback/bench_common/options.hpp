#pragma once

// The command lines of cback-bench's commands: a table of options, each
// taking one value and applied by a small handler; --help or -h sets
// `help` on the options.

#include <cback/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace cback::bench_common {

template <class Options>
struct OptionEntry {
  std::string_view name;
  std::function<void(Options&, std::string_view)> apply;
};

/// Applies `args` (those after the command's name) to `options` through
/// `table`. Throws cback::Error(usage) naming an unknown option or one
/// without its value.
template <class Options>
void apply_options(const std::vector<std::string_view>& args,
                   std::span<const OptionEntry<Options>> table, std::string_view command,
                   Options& options) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      options.help = true;
      continue;
    }
    const auto entry =
        std::find_if(table.begin(), table.end(),
                     [&](const OptionEntry<Options>& e) { return e.name == args[i]; });
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
