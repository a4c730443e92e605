#include <cback/bench_burn/options.hpp>

#include <cback/bench_burn/units.hpp>
#include <cback/bench_common/options.hpp>
#include <cback/core/error.hpp>
#include <cback/core/progress.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>

namespace cback::bench_burn {

const std::string_view k_burn_usage =
    "Usage: cback-bench burn [SOURCE] [--speed SPEED] [--fifo SIZE] [--stall PAUSE/PERIOD]\n"
    "                        [--source-rate SPEED] [--drive-buffer SIZE] [--image FILE]\n"
    "                        [--csv FILE] [--svg FILE] [--title TEXT]\n"
    "\n"
    "Writes an ISO image through the store's FIFO into a pseudo-drive that takes\n"
    "data at a medium's nominal speed, and reports how full the FIFO stayed.\n"
    "\n"
    "SOURCE (default: a generated tree of 64 MiB in 64 files, seed 1):\n"
    "  --dir DIR             a real staging directory\n"
    "  --size SIZE           generated tree: total size (64M, 1G, bytes); grown to\n"
    "                        three times the FIFO when smaller\n"
    "  --files N             generated tree: number of files\n"
    "  --seed N              generated tree: content seed\n"
    "\n"
    "  --speed SPEED         nominal drive speed: dvd:16, cd:48, bd:4 or bytes/s\n"
    "                        (20M = 20 MiB/s); default dvd:16\n"
    "  --fifo SIZE           FIFO size (default: about 10 s at SPEED, as store)\n"
    "  --stall PAUSE/PERIOD  the source stalls PAUSE every PERIOD (200ms/1s), from\n"
    "                        when the FIFO has filled\n"
    "  --source-rate SPEED   the source gives at most SPEED\n"
    "  --drive-buffer SIZE   the drive's buffer (default 1M; at most\n"
    "                        /proc/sys/fs/pipe-max-size unless root)\n"
    "  --image FILE          keep the written image (default: discard it)\n"
    "  --csv FILE            FIFO samples every 10 ms as CSV\n"
    "  --svg FILE            the FIFO fill over time as an SVG plot\n"
    "  --title TEXT          the plot's title\n"
    "\n"
    "Prints a summary (key: value); a real day under three times the FIFO is too\n"
    "small to judge it, and the summary says so.\n"
    "Exit codes: 0 done, 2 usage error, 6 failure.\n";

namespace {

using OptionEntry = bench_common::OptionEntry<BurnOptions>;

SyntheticTree& synthetic(BurnOptions& options, std::string_view name) {
  auto* tree = std::get_if<SyntheticTree>(&options.source);
  if (tree == nullptr) {
    throw Error(ExitCode::usage, fmt::format("{} describes a generated tree, not --dir.", name));
  }
  return *tree;
}

std::int64_t parse_count(std::string_view name, std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    throw Error(ExitCode::usage, fmt::format("{} needs a whole number, not [{}].", name, text));
  }
  return value;
}

const std::array<OptionEntry, 13>& option_table() {
  static const std::array<OptionEntry, 13> table{{
      {"--dir", [](BurnOptions& o, std::string_view v) { o.source = std::filesystem::path(v); }},
      {"--size",
       [](BurnOptions& o, std::string_view v) { synthetic(o, "--size").bytes = parse_size(v); }},
      {"--files",
       [](BurnOptions& o, std::string_view v) {
         synthetic(o, "--files").files =
             static_cast<int>(std::clamp<std::int64_t>(parse_count("--files", v), 1, 1000000));
       }},
      {"--seed",
       [](BurnOptions& o, std::string_view v) {
         synthetic(o, "--seed").seed = static_cast<std::uint64_t>(parse_count("--seed", v));
       }},
      {"--speed",
       [](BurnOptions& o, std::string_view v) {
         o.speed = parse_speed(v);
         o.speed_text = v;
       }},
      {"--fifo", [](BurnOptions& o, std::string_view v) { o.fifo = parse_size(v); }},
      {"--stall",
       [](BurnOptions& o, std::string_view v) {
         o.stall = parse_stall(v);
         o.stall_text = v;
       }},
      {"--source-rate", [](BurnOptions& o, std::string_view v) { o.source_rate = parse_speed(v); }},
      {"--drive-buffer",
       [](BurnOptions& o, std::string_view v) { o.drive_buffer = parse_size(v); }},
      {"--image", [](BurnOptions& o, std::string_view v) { o.image = std::filesystem::path(v); }},
      {"--csv", [](BurnOptions& o, std::string_view v) { o.csv = std::filesystem::path(v); }},
      {"--svg", [](BurnOptions& o, std::string_view v) { o.svg = std::filesystem::path(v); }},
      {"--title", [](BurnOptions& o, std::string_view v) { o.title = std::string(v); }},
  }};
  return table;
}

} // namespace

BurnOptions parse_burn_options(const std::vector<std::string_view>& args) {
  BurnOptions options;
  options.speed = parse_speed(options.speed_text);
  bench_common::apply_options(args, std::span<const OptionEntry>(option_table()), "burn", options);
  return options;
}

std::int64_t default_fifo_for(double speed) {
  constexpr std::int64_t k_mib = 1024 * 1024;
  constexpr double k_seconds = 10.0;
  const auto bytes = static_cast<std::int64_t>(std::ceil(speed * k_seconds));
  return std::clamp((bytes + k_mib - 1) / k_mib * k_mib, 4 * k_mib, 1024 * k_mib);
}

std::string default_title(const BurnOptions& options, std::int64_t fifo_size) {
  std::string title = fmt::format("FIFO fill: {}", options.speed_text);
  if (options.stall) {
    title += fmt::format(", source stalls {}", options.stall_text);
  }
  return title + fmt::format(", {} FIFO", core::display_bytes(static_cast<double>(fifo_size)));
}

} // namespace cback::bench_burn
