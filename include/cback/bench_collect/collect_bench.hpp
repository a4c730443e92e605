#pragma once

// cback-bench collect: archives one tree as collect does, once per
// archive mode (and zstd level) and per I/O backend, measures the rate and
// the output ratio of each, and recommends a mode and a backend.
// docs/tuning.md explains how to read the results.

#include <cback/collect/walker.hpp>
#include <cback/config/model.hpp>
#include <cback/io/backend.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cback::bench_collect {

struct CollectBenchOptions {
  std::optional<std::filesystem::path> dir;    ///< a tree, walked with no exclusions
  std::optional<std::string> item;             ///< a configured <dir> item, by its path
  std::optional<std::filesystem::path> config; ///< with --item
  std::vector<int> zstd_levels{1, 3, 6, 9};
  std::optional<std::filesystem::path> work; ///< where the archives are written
  std::optional<std::filesystem::path> csv;
  std::optional<std::filesystem::path> svg;
  std::optional<std::string> title;
  bool help = false;
};

extern const std::string_view k_collect_usage;

/// Reads the arguments after "collect". Throws cback::Error(usage) naming
/// what is wrong (also when neither --dir nor --item is given).
CollectBenchOptions parse_collect_options(const std::vector<std::string_view>& args);

/// One way of writing the archive.
struct Case {
  config::ArchiveMode mode = config::ArchiveMode::tar;
  int level = 0; ///< the compression level (0 for tar)
  io::BackendKind backend = io::BackendKind::posix;
};

/// "tarzst:3", "targz:6", "tar".
std::string case_name(const Case& what);

/// The configuration's name of a backend (io_backend): "uring", "posix".
std::string_view backend_name(io::BackendKind kind);

/// One case measured.
struct Measured {
  Case what;
  std::uint64_t input_bytes = 0;      ///< file content archived
  std::uint64_t output_bytes = 0;     ///< the archive's size
  double seconds = 0.0;               ///< from the first entry to the committed archive
  [[nodiscard]] double rate() const;  ///< input bytes per second
  [[nodiscard]] double ratio() const; ///< output / input (1 when there is no input)
};

/// The tree collect would archive: the entries of one walk, every unit in
/// one list.
struct BenchTree {
  std::string path;
  collect::WalkOptions walk;
  std::vector<collect::Entry> entries;
};

/// Walks --dir, or the configured item --item names (with its exclusions
/// and link options). Throws cback::Error naming what is missing.
BenchTree tree_of(const CollectBenchOptions& options);

/// Receives each case as it is measured (for a line of progress).
using CaseDone = std::function<void(const Measured&)>;

/// Archives the tree once per archive mode and zstd level on the backend
/// cback would choose (after one unrecorded pass that warms the cache),
/// then the best of those (recommend) on every other backend that works
/// here. Archives go to a temporary directory in `work`, removed after.
std::vector<Measured> measure_all(const BenchTree& tree, const std::vector<int>& zstd_levels,
                                  const std::filesystem::path& work, const CaseDone& done);

struct Recommendation {
  Measured archive;        ///< the mode and level to use
  io::BackendKind backend; ///< the backend to use
  std::string reason;      ///< one sentence for people
};

/// The smallest output among the compressed cases at least half as fast
/// as the fastest of them, unless it saves under 5 % against tar (then
/// tar); the faster backend for it. `rows` must hold at least one case.
Recommendation recommend(const std::vector<Measured>& rows);

/// "archive_mode,level,backend,input_bytes,output_bytes,seconds,
/// mib_per_second,ratio,recommended" and a line per case.
std::string results_csv(const std::vector<Measured>& rows, const Recommendation& best);

/// A table for people and the recommendation, as "key: value" lines.
std::string results_text(const std::vector<Measured>& rows, const Recommendation& best);

/// Each case as a point, rate (x) against ratio (y), named; the
/// recommended one ringed; `title` on top.
std::string results_svg(const std::vector<Measured>& rows, const Recommendation& best,
                        const std::string& title);

} // namespace cback::bench_collect
