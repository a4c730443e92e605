#pragma once

// The command line of `cback-bench burn`, read into BurnOptions by a table
// of options (one small handler each).

#include <cback/bench_burn/throttled_write.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cback::bench_burn {

struct BurnOptions {
  BenchSource source = SyntheticTree{64LL * 1024 * 1024, 64, 1};
  std::string speed_text = "dvd:16";
  double speed = 0.0;               ///< bytes per second
  std::optional<std::int64_t> fifo; ///< nullopt: default_fifo_for(speed)
  std::int64_t drive_buffer = 1024 * 1024;
  std::optional<Stall> stall;
  std::string stall_text;
  std::optional<double> source_rate;
  std::optional<std::filesystem::path> image;
  std::optional<std::filesystem::path> csv;
  std::optional<std::filesystem::path> svg;
  std::optional<std::string> title;
  bool help = false;
};

extern const std::string_view k_burn_usage;

/// Reads the arguments after "burn". Throws cback::Error(usage) naming the
/// option that is wrong.
BurnOptions parse_burn_options(const std::vector<std::string_view>& args);

/// The default FIFO: about ten seconds at `speed`, as the store's default,
/// rounded up to a MiB and kept within 4 MiB .. 1 GiB.
std::int64_t default_fifo_for(double speed);

/// The plot's title when none is given: "FIFO fill: dvd:16, stall 200ms/1s, 64 MiB FIFO".
std::string default_title(const BurnOptions& options, std::int64_t fifo_size);

} // namespace cback::bench_burn
