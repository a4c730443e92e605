// cback-bench: tuning tools for users. `cback-bench burn` writes a
// generated or real staging directory through the store's FIFO into a
// pseudo-drive that takes data at a medium's nominal speed, with a source
// that may stall, and reports the FIFO fill over time (CSV, SVG plot), its
// minimum, the underruns and the FIFO size that would have avoided them.
// `cback-bench stage` reads a remote peer's file over SFTP with several
// settings and recommends the SFTP pipeline for the link (bench_stage/).
// `cback-bench collect` archives one tree in every archive mode and on
// every I/O backend and recommends a mode and a backend.
// docs/tuning.md explains how to read the results.

#include <cback/bench_burn/options.hpp>
#include <cback/bench_burn/report.hpp>
#include <cback/bench_burn/throttled_write.hpp>
#include <cback/bench_collect/collect_bench.hpp>
#include <cback/bench_stage/command.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/progress.hpp>
#include <cback/io/run_backend.hpp>

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <string_view>
#include <variant>
#include <vector>

namespace {

constexpr std::string_view k_usage =
    "Usage: cback-bench burn [OPTIONS]      (cback-bench burn --help)\n"
    "       cback-bench stage --peer NAME [OPTIONS]   (cback-bench stage --help)\n"
    "       cback-bench collect [OPTIONS]   (cback-bench collect --help)\n";

void write_output(const std::filesystem::path& path, std::string_view text) {
  cback::core::AtomicFile file(path, 0644);
  file.write(text);
  file.commit();
}

int burn(const std::vector<std::string_view>& args) {
  using namespace cback;
  const bench_burn::BurnOptions options = bench_burn::parse_burn_options(args);
  if (options.help) {
    fmt::print("{}", bench_burn::k_burn_usage);
    return 0;
  }
  bench_burn::ThrottledWriteSpec spec;
  spec.source = options.source;
  const std::int64_t default_fifo = bench_burn::default_fifo_for(options.speed);
  spec.fifo_size = options.fifo.value_or(default_fifo);
  // A generated tree grows to three times the FIFO, so that the FIFO is
  // full and drains before the source ends; a real day is what it is and
  // the summary says when it is too small to judge.
  if (auto* tree = std::get_if<bench_burn::SyntheticTree>(&spec.source);
      tree != nullptr && tree->bytes < 3 * spec.fifo_size) {
    fmt::print(stderr,
               "cback-bench: the generated tree grows from {} to {}, three times the FIFO\n",
               core::display_bytes(static_cast<double>(tree->bytes)),
               core::display_bytes(static_cast<double>(3 * spec.fifo_size)));
    tree->bytes = 3 * spec.fifo_size;
  }
  spec.drive = {options.speed, options.drive_buffer, options.image};
  spec.stall = options.stall;
  spec.source_rate = options.source_rate;
  std::vector<bench_burn::ThrottledSample> samples;
  core::Logger log;
  // The store's backend, made as cback makes it (CBACK_IO honoured).
  io::RunBackend io(io::BackendOptions{}, log);
  const auto result = bench_burn::write_throttled(
      spec, io.get(), log, [&](const bench_burn::ThrottledSample& s) { samples.push_back(s); });
  const auto summary = bench_burn::summarize(samples, result, options.speed, default_fifo);
  if (options.csv) {
    write_output(*options.csv, bench_burn::samples_csv(samples));
  }
  if (options.svg) {
    const std::string title =
        options.title.value_or(bench_burn::default_title(options, result.fifo_size));
    write_output(*options.svg,
                 bench_burn::fifo_svg(samples, summary, result.drive.underruns, title));
  }
  fmt::print("{}", bench_burn::summary_text(summary));
  return 0;
}

int collect(const std::vector<std::string_view>& args) {
  using namespace cback;
  const auto options = bench_collect::parse_collect_options(args);
  if (options.help) {
    fmt::print("{}", bench_collect::k_collect_usage);
    return 0;
  }
  const auto tree = bench_collect::tree_of(options);
  fmt::print(stderr, "cback-bench: {} entries in [{}]\n", tree.entries.size(), tree.path);
  const auto rows = bench_collect::measure_all(
      tree, options.zstd_levels, options.work.value_or(std::filesystem::temp_directory_path()),
      [](const bench_collect::Measured& row) {
        fmt::print(stderr, "cback-bench: {} on {}: {:.2f} s\n", bench_collect::case_name(row.what),
                   bench_collect::backend_name(row.what.backend), row.seconds);
      });
  const auto best = bench_collect::recommend(rows);
  if (options.csv) {
    write_output(*options.csv, bench_collect::results_csv(rows, best));
  }
  if (options.svg) {
    write_output(*options.svg,
                 bench_collect::results_svg(
                     rows, best, options.title.value_or("Archive modes on " + tree.path)));
  }
  fmt::print("{}", bench_collect::results_text(rows, best));
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // The drive is a pipe: a write to it must fail with EPIPE, not kill us.
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  try {
    if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
      fmt::print("{}", k_usage);
      return 0;
    }
    if (!args.empty() && args[0] == "stage") {
      return cback::bench_stage::run_stage_bench({args.begin() + 1, args.end()});
    }
    if (!args.empty() && args[0] == "collect") {
      return collect({args.begin() + 1, args.end()});
    }
    if (args.empty() || args[0] != "burn") {
      fmt::print(stderr, "{}", k_usage);
      return static_cast<int>(cback::ExitCode::usage);
    }
    return burn({args.begin() + 1, args.end()});
  } catch (const cback::Error& error) {
    fmt::print(stderr, "cback-bench: error: {}\n", error.what());
    return static_cast<int>(error.code());
  } catch (const std::exception& error) {
    fmt::print(stderr, "cback-bench: error: {}\n", error.what());
    return static_cast<int>(cback::ExitCode::action);
  }
}
