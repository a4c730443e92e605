#include <cback/bench_stage/options.hpp>

#include <cback/bench_burn/units.hpp>
#include <cback/bench_common/option_table.hpp>
#include <cback/config/load.hpp>
#include <cback/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>

namespace cback::bench_stage {

const std::string_view k_stage_usage =
    "Usage: cback-bench stage --peer NAME [-c FILE] [--in-flight LIST]\n"
    "                         [--request-size LIST] [--bytes SIZE] [--rounds N]\n"
    "                         [--file NAME]\n"
    "                         [--work-dir DIR] [--csv FILE] [--svg FILE] [--title TEXT]\n"
    "\n"
    "Reads one file of a remote peer's collect directory over SFTP, as stage does,\n"
    "once per setting, and recommends sftp_requests_in_flight and sftp_request_size\n"
    "for the link. Nothing is written on the peer nor into the staging directory.\n"
    "\n"
    "  -c, --config FILE     cback's configuration (default /etc/cback.conf)\n"
    "  --peer NAME           the remote peer, as configured for stage\n"
    "  --in-flight LIST      requests in flight to try (default 4,8,16,32,64)\n"
    "  --request-size LIST   request sizes to try, 1K..64K (default 32K,64K)\n"
    "  --bytes SIZE          bytes read per setting, at most (default 64M)\n"
    "  --rounds N            passes over every setting; the fastest counts\n"
    "                        (default 3)\n"
    "  --file NAME           the file to read (default: the largest in the collect dir)\n"
    "  --work-dir DIR        where the copies go, removed after each setting\n"
    "                        (default: $TMPDIR or /tmp)\n"
    "  --csv FILE            one row per setting\n"
    "  --svg FILE            the rate against requests in flight as an SVG plot\n"
    "  --title TEXT          the plot's title\n"
    "\n"
    "Prints a summary (key: value): the round trip, the best rate, the rate of\n"
    "each setting and the settings to use.\n"
    "Exit codes: 0 done, 2 usage error, 4 configuration error, 6 failure.\n";

namespace {

constexpr unsigned k_max_in_flight = 1024;
constexpr std::int64_t k_min_request = 1024;
constexpr std::int64_t k_max_request = 65536;

using OptionEntry = bench_common::OptionEntry<StageBenchOptions>;

std::vector<std::string_view> split_list(std::string_view name, std::string_view text) {
  std::vector<std::string_view> items;
  for (std::size_t start = 0; start <= text.size();) {
    const auto end = std::min(text.find(',', start), text.size());
    if (end == start) {
      throw Error(ExitCode::usage, fmt::format("{} has an empty item in [{}].", name, text));
    }
    items.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return items;
}

std::vector<unsigned> parse_in_flight(std::string_view text) {
  std::vector<unsigned> values;
  for (const auto item : split_list("--in-flight", text)) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (error != std::errc() || end != item.data() + item.size() || value < 1 ||
        value > k_max_in_flight) {
      throw Error(ExitCode::usage,
                  fmt::format("--in-flight takes whole numbers from 1 to {}, not [{}].",
                              k_max_in_flight, item));
    }
    values.push_back(value);
  }
  return values;
}

std::vector<std::size_t> parse_request_sizes(std::string_view text) {
  std::vector<std::size_t> values;
  for (const auto item : split_list("--request-size", text)) {
    const auto size = bench_burn::parse_size(item);
    if (size < k_min_request || size > k_max_request) {
      throw Error(ExitCode::usage, fmt::format("--request-size takes sizes from 1K to 64K (as "
                                               "sftp_request_size), not [{}].",
                                               item));
    }
    values.push_back(static_cast<std::size_t>(size));
  }
  return values;
}

unsigned parse_rounds(std::string_view text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > 100) {
    throw Error(ExitCode::usage,
                fmt::format("--rounds takes a whole number from 1 to 100, not [{}].", text));
  }
  return value;
}

const std::array<OptionEntry, 12>& option_table() {
  using O = StageBenchOptions;
  static const std::array<OptionEntry, 12> table{{
      {"-c", [](O& o, std::string_view v) { o.config = v; }},
      {"--config", [](O& o, std::string_view v) { o.config = v; }},
      {"--peer", [](O& o, std::string_view v) { o.peer = v; }},
      {"--in-flight", [](O& o, std::string_view v) { o.requests_in_flight = parse_in_flight(v); }},
      {"--request-size",
       [](O& o, std::string_view v) { o.request_sizes = parse_request_sizes(v); }},
      {"--bytes",
       [](O& o, std::string_view v) {
         const auto bytes = bench_burn::parse_size(v);
         if (bytes < 1) {
           throw Error(ExitCode::usage, fmt::format("--bytes must be at least 1, not [{}].", v));
         }
         o.sample_bytes = static_cast<std::uint64_t>(bytes);
       }},
      {"--rounds", [](O& o, std::string_view v) { o.rounds = parse_rounds(v); }},
      {"--file", [](O& o, std::string_view v) { o.file = std::string(v); }},
      {"--work-dir", [](O& o, std::string_view v) { o.work_dir = v; }},
      {"--csv", [](O& o, std::string_view v) { o.csv = std::filesystem::path(v); }},
      {"--svg", [](O& o, std::string_view v) { o.svg = std::filesystem::path(v); }},
      {"--title", [](O& o, std::string_view v) { o.title = std::string(v); }},
  }};
  return table;
}

} // namespace

StageBenchOptions parse_stage_options(const std::vector<std::string_view>& args) {
  StageBenchOptions options;
  options.config = config::k_default_config_path;
  bench_common::apply_options(args, option_table(), "stage", options);
  if (options.peer.empty() && !options.help) {
    throw Error(ExitCode::usage, "stage needs --peer NAME.");
  }
  if (options.work_dir.empty()) {
    options.work_dir = std::filesystem::temp_directory_path();
  }
  return options;
}

} // namespace cback::bench_stage
