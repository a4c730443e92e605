#include <cback/bench_stage/command.hpp>

#include <cback/actions/stage.hpp>
#include <cback/bench_stage/measure.hpp>
#include <cback/bench_stage/options.hpp>
#include <cback/bench_stage/report.hpp>
#include <cback/config/load.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/progress.hpp>
#include <cback/io/run_backend.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace cback::bench_stage {

namespace {

// The remote peer stage would reach by that name, with its endpoint.
BenchSpec spec_for(const config::Config& config, const StageBenchOptions& options) {
  if (!config.stage) {
    throw Error(ExitCode::config,
                fmt::format("{} has no [stage] section.", options.config.string()));
  }
  const auto peers = actions::stage_peers(config);
  const auto peer = std::find_if(peers.begin(), peers.end(),
                                 [&](const auto& p) { return p.name == options.peer; });
  if (peer == peers.end()) {
    throw Error(ExitCode::usage, fmt::format("No peer [{}] is staged by {}.", options.peer,
                                             options.config.string()));
  }
  if (peer->type != config::PeerType::remote) {
    throw Error(
        ExitCode::usage,
        fmt::format("Peer [{}] is a local peer: there is no link to measure.", options.peer));
  }
  BenchSpec spec;
  spec.endpoint = actions::stage_endpoint(config, *peer);
  spec.collect_dir = peer->collect_dir;
  spec.points = points_of(options.requests_in_flight, options.request_sizes);
  spec.sample_bytes = options.sample_bytes;
  spec.rounds = options.rounds;
  spec.file = options.file;
  spec.work_dir = options.work_dir;
  return spec;
}

void write_output(const std::filesystem::path& path, std::string_view text) {
  core::AtomicFile file(path, 0644);
  file.write(text);
  file.commit();
}

} // namespace

int run_stage_bench(const std::vector<std::string_view>& args) {
  const auto options = parse_stage_options(args);
  if (options.help) {
    fmt::print("{}", k_stage_usage);
    return 0;
  }
  const auto config = config::load(options.config);
  const auto spec = spec_for(config, options);
  core::Logger log;
  io::RunBackend io(io::BackendOptions{}, log);
  const auto bench = measure(spec, io.get(), log, [&](unsigned round, const PointResult& result) {
    fmt::print(stderr, "cback-bench: round {} of {}: {} requests of {} in flight: {}/s\n", round,
               spec.rounds, result.point.requests_in_flight, result.point.request_size,
               core::display_bytes(result.rate()));
  });
  const auto recommendation = recommend(bench);
  if (options.csv) {
    write_output(*options.csv, points_csv(bench));
  }
  if (options.svg) {
    write_output(*options.svg,
                 rate_svg(bench, recommendation, options.title.value_or(default_title(bench))));
  }
  fmt::print("{}", summary_text(bench, recommendation));
  return 0;
}

} // namespace cback::bench_stage
