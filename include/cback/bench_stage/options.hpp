#pragma once

// The command line of `cback-bench stage`, read into StageBenchOptions by
// a table of options (one small handler each), as cback-bench burn's.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cback::bench_stage {

struct StageBenchOptions {
  std::filesystem::path config; ///< default: cback's
  std::string peer;             ///< a remote peer of the configuration (required)
  std::vector<unsigned> requests_in_flight{4, 8, 16, 32, 64};
  std::vector<std::size_t> request_sizes{32768, 65536};
  std::uint64_t sample_bytes = std::uint64_t{64} << 20; ///< read of each setting, at most
  unsigned rounds = 3;                                  ///< passes over every setting
  std::optional<std::string> file; ///< default: the largest file of the collect dir
  std::filesystem::path work_dir;  ///< where the temporary copies go (default: TMPDIR)
  std::optional<std::filesystem::path> csv;
  std::optional<std::filesystem::path> svg;
  std::optional<std::string> title;
  bool help = false;
};

extern const std::string_view k_stage_usage;

/// Reads the arguments after "stage". Throws cback::Error(usage) naming
/// the option that is wrong or missing.
StageBenchOptions parse_stage_options(const std::vector<std::string_view>& args);

} // namespace cback::bench_stage
