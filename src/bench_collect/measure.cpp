#include <cback/bench_collect/collect_bench.hpp>

#include <cback/collect/archive.hpp>
#include <cback/collect/items.hpp>
#include <cback/collect/naming.hpp>
#include <cback/config/load.hpp>
#include <cback/core/error.hpp>
#include <cback/core/perf.hpp>
#include <cback/core/stop.hpp>
#include <cback/core/temp_dir.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace cback::bench_collect {

namespace {

collect::CollectItem configured_item(const std::filesystem::path& config_path,
                                     const std::string& wanted) {
  const auto loaded = config::load(config_path);
  if (!loaded.collect) {
    throw Error(ExitCode::config,
                fmt::format("[{}] has no collect section.", config_path.string()));
  }
  std::string path = wanted;
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  for (auto& item : collect::collect_items(*loaded.collect)) {
    if (item.type == collect::ItemType::dir && item.abs_path == path) {
      return item;
    }
  }
  throw Error(ExitCode::config,
              fmt::format("[{}] has no collect dir item [{}].", config_path.string(), path));
}

std::unique_ptr<io::Backend> backend_for(io::Preference preference) {
  auto made = io::make_backend(preference);
  if (!made) {
    return nullptr;
  }
  return std::move(*made);
}

/// Archives the tree once in `dir` and removes the archive.
Measured measure(const BenchTree& tree, const Case& what, io::Backend& backend,
                 const std::filesystem::path& dir) {
  collect::ArchiveOptions options;
  options.mode = what.mode;
  options.zstd_level = what.level;
  options.gzip_level = what.level;
  options.bzip2_level = what.level;
  const auto target = dir / collect::archive_file_name(tree.path, what.mode);
  const core::StopFlag stop;
  const core::Stopwatch watch;
  const auto result = collect::write_archive(tree.entries, target, options, backend, stop);
  const std::chrono::duration<double> took = watch.elapsed();
  std::filesystem::remove(result.path);
  return Measured{what, result.input_bytes, result.size, took.count()};
}

} // namespace

std::string case_name(const Case& what) {
  switch (what.mode) {
  case config::ArchiveMode::tar:
    return "tar";
  case config::ArchiveMode::targz:
    return fmt::format("targz:{}", what.level);
  case config::ArchiveMode::tarbz2:
    return fmt::format("tarbz2:{}", what.level);
  case config::ArchiveMode::tarzst:
    return fmt::format("tarzst:{}", what.level);
  }
  return "?";
}

std::string_view backend_name(io::BackendKind kind) {
  return io::to_string(kind == io::BackendKind::uring ? io::Preference::uring
                                                      : io::Preference::posix);
}

double Measured::rate() const {
  return seconds > 0.0 ? static_cast<double>(input_bytes) / seconds : 0.0;
}

double Measured::ratio() const {
  return input_bytes == 0 ? 1.0
                          : static_cast<double>(output_bytes) / static_cast<double>(input_bytes);
}

BenchTree tree_of(const CollectBenchOptions& options) {
  BenchTree tree;
  collect::ExclusionRules rules;
  if (options.item) {
    auto item = configured_item(*options.config, *options.item);
    tree.path = item.abs_path;
    tree.walk = item.walk;
    rules = item.exclusions;
  } else {
    tree.path = std::filesystem::absolute(*options.dir).lexically_normal().string();
  }
  auto walked = collect::Walker(collect::ExclusionMatcher(rules)).list_dir(tree.path, tree.walk);
  for (auto& unit : walked.units) {
    std::move(unit.entries.begin(), unit.entries.end(), std::back_inserter(tree.entries));
  }
  return tree;
}

// The cases run one after the other, never side by side: each has the
// machine (and the zstd workers their cores) to itself.
std::vector<Measured> measure_all(const BenchTree& tree, const std::vector<int>& zstd_levels,
                                  const std::filesystem::path& work, const CaseDone& done) {
  const auto scratch = core::TempDir::create(work, "cback-bench-collect-");
  const auto automatic = backend_for(io::Preference::automatic);
  if (!automatic) {
    throw Error(ExitCode::action, "No I/O backend can be made here.");
  }
  const auto kind = automatic->kind();
  // Unrecorded: the first pass reads the tree from disk, the others from
  // the cache, so each case is compared on its own work.
  measure(tree, Case{config::ArchiveMode::tar, 0, kind}, *automatic, scratch.path());
  const collect::ArchiveOptions defaults;
  std::vector<Case> cases{{config::ArchiveMode::tar, 0, kind},
                          {config::ArchiveMode::targz, defaults.gzip_level, kind},
                          {config::ArchiveMode::tarbz2, defaults.bzip2_level, kind}};
  for (const int level : zstd_levels) {
    cases.push_back(Case{config::ArchiveMode::tarzst, level, kind});
  }
  std::vector<Measured> rows;
  for (const auto& what : cases) {
    rows.push_back(measure(tree, what, *automatic, scratch.path()));
    done(rows.back());
  }
  const auto best = recommend(rows).archive.what;
  for (const auto preference : {io::Preference::uring, io::Preference::posix}) {
    const auto other = backend_for(preference);
    if (other && other->kind() != kind) {
      rows.push_back(
          measure(tree, Case{best.mode, best.level, other->kind()}, *other, scratch.path()));
      done(rows.back());
    }
  }
  return rows;
}

Recommendation recommend(const std::vector<Measured>& rows) {
  const auto first_backend = rows.front().what.backend;
  std::vector<const Measured*> main;
  for (const auto& row : rows) {
    if (row.what.backend == first_backend) {
      main.push_back(&row);
    }
  }
  // tar is the fastest by far (it only copies): the compressed cases are
  // weighed against each other, tar only against the best of them.
  double fastest = 0.0;
  const Measured* tar = nullptr;
  for (const auto* row : main) {
    if (row->what.mode == config::ArchiveMode::tar) {
      tar = row;
    } else {
      fastest = std::max(fastest, row->rate());
    }
  }
  const Measured* smallest = nullptr;
  for (const auto* row : main) {
    if (row != tar && row->rate() >= fastest / 2 &&
        (smallest == nullptr || row->output_bytes < smallest->output_bytes)) {
      smallest = row;
    }
  }
  if (smallest == nullptr) {
    smallest = tar != nullptr ? tar : main.front();
  }
  Recommendation best{*smallest, first_backend, ""};
  if (tar != nullptr && tar != smallest &&
      static_cast<double>(smallest->output_bytes) > 0.95 * static_cast<double>(tar->output_bytes)) {
    best.archive = *tar;
    best.reason = fmt::format("compression saves under 5 % on this tree ({} leaves {:.0f} %)",
                              case_name(smallest->what), 100.0 * smallest->ratio());
  } else {
    best.reason = fmt::format(
        "the smallest output ({:.0f} % of the input) of the compressed cases at least half "
        "as fast as the fastest of them ({:.0f} MiB/s)",
        100.0 * best.archive.ratio(), fastest / (1024.0 * 1024.0));
  }
  double best_rate = best.archive.rate();
  for (const auto& row : rows) {
    if (row.what.mode == best.archive.what.mode && row.what.level == best.archive.what.level &&
        row.rate() > best_rate) {
      best.backend = row.what.backend;
      best_rate = row.rate();
    }
  }
  return best;
}

} // namespace cback::bench_collect
