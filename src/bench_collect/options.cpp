#include <cback/bench_collect/collect_bench.hpp>

#include <cback/bench_common/option_table.hpp>
#include <cback/core/error.hpp>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <span>

namespace cback::bench_collect {

const std::string_view k_collect_usage =
    "Usage: cback-bench collect (--dir DIR | --item PATH -c CONFIG) [--levels N,N...]\n"
    "                           [--work DIR] [--csv FILE] [--svg FILE] [--title TEXT]\n"
    "\n"
    "Archives one tree as collect does, once per archive mode (tar, targz,\n"
    "tarbz2, tarzst at each zstd level) and per I/O backend, and recommends the\n"
    "mode and the backend for it. The cache is warmed first: the figures are\n"
    "those of reading from memory, compressing and writing.\n"
    "\n"
    "  --dir DIR         the tree to archive (no exclusions, links not followed)\n"
    "  --item PATH       a configured <dir> item, with its exclusions and links\n"
    "  -c, --config FILE the configuration that holds the item\n"
    "  --levels N,N...   zstd levels to try (default 1,3,6,9; 1 to 19)\n"
    "  --work DIR        where the archives are written, one at a time (default:\n"
    "                    the temporary directory); put it on the collect disk\n"
    "  --csv FILE        one line per case as CSV\n"
    "  --svg FILE        the cases as an SVG plot, rate against output ratio\n"
    "  --title TEXT      the plot's title\n"
    "\n"
    "Exit codes: 0 done, 2 usage error, 6 failure.\n";

namespace {

using OptionEntry = bench_common::OptionEntry<CollectBenchOptions>;

std::vector<int> parse_levels(std::string_view text) {
  std::vector<int> levels;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto part = text.substr(0, comma);
    int level = 0;
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), level);
    if (error != std::errc() || end != part.data() + part.size() || level < 1 || level > 19) {
      throw Error(ExitCode::usage,
                  fmt::format("--levels takes zstd levels from 1 to 19, not [{}].", part));
    }
    levels.push_back(level);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  if (levels.empty()) {
    throw Error(ExitCode::usage, "--levels needs at least one level.");
  }
  return levels;
}

void set_config(CollectBenchOptions& o, std::string_view v) {
  o.config = std::filesystem::path(v);
}

const std::array<OptionEntry, 9>& option_table() {
  static const std::array<OptionEntry, 9> table{{
      {"--dir",
       [](CollectBenchOptions& o, std::string_view v) { o.dir = std::filesystem::path(v); }},
      {"--item", [](CollectBenchOptions& o, std::string_view v) { o.item = std::string(v); }},
      {"-c", set_config},
      {"--config", set_config},
      {"--levels",
       [](CollectBenchOptions& o, std::string_view v) { o.zstd_levels = parse_levels(v); }},
      {"--work",
       [](CollectBenchOptions& o, std::string_view v) { o.work = std::filesystem::path(v); }},
      {"--csv",
       [](CollectBenchOptions& o, std::string_view v) { o.csv = std::filesystem::path(v); }},
      {"--svg",
       [](CollectBenchOptions& o, std::string_view v) { o.svg = std::filesystem::path(v); }},
      {"--title", [](CollectBenchOptions& o, std::string_view v) { o.title = std::string(v); }},
  }};
  return table;
}

} // namespace

CollectBenchOptions parse_collect_options(const std::vector<std::string_view>& args) {
  CollectBenchOptions options;
  bench_common::apply_options(args, option_table(), "collect", options);
  if (options.help) {
    return options;
  }
  if (options.dir.has_value() == options.item.has_value()) {
    throw Error(ExitCode::usage, "collect needs either --dir DIR or --item PATH -c CONFIG.");
  }
  if (options.item && !options.config) {
    throw Error(ExitCode::usage, "--item needs the configuration that holds it: -c CONFIG.");
  }
  return options;
}

} // namespace cback::bench_collect
