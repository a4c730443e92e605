#include <cback/bench_stage/measure.hpp>

#include <cback/core/beneath.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/temp_dir.hpp>
#include <cback/core/thread_pool.hpp>
#include <cback/io/backend.hpp>
#include <cback/peer/loop_transfer.hpp>
#include <cback/peer/sftp_connection.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <fmt/format.h>

#include <exception>

#include <algorithm>

namespace cback::bench_stage {

namespace {

using Clock = std::chrono::steady_clock;

// The fastest of this many SFTP stats is the round trip: the others waited
// for something besides the link.
constexpr int k_round_trips = 5;

peer::SftpSettings settings_of(const BenchSpec& spec, SftpPoint point) {
  peer::SftpSettings settings;
  settings.request_size = point.request_size;
  settings.requests_in_flight = point.requests_in_flight;
  settings.io_timeout = spec.endpoint.io_timeout;
  return settings;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs `work` on a loop of its own on this thread; rethrows what it threw.
void run(asio::io_context& context, asio::awaitable<void> work) {
  std::exception_ptr failure;
  asio::co_spawn(context, std::move(work),
                 [&failure](std::exception_ptr error) { failure = std::move(error); });
  context.run();
  if (failure) {
    std::rethrow_exception(failure);
  }
}

asio::awaitable<double> round_trip(peer::SftpConnection& connection, std::string collect_dir) {
  double fastest = 0.0;
  for (int i = 0; i < k_round_trips; ++i) {
    const auto start = Clock::now();
    (void)co_await connection.stat(collect_dir + "/" + peer::k_collect_indicator);
    const double took = seconds_since(start);
    fastest = i == 0 ? took : std::min(fastest, took);
  }
  co_return fastest;
}

// The file named, or the largest regular file with a plain name: the
// listing is the peer's and is not trusted.
peer::SourceEntry pick_file(std::vector<peer::SourceEntry> listing, const BenchSpec& spec) {
  std::optional<peer::SourceEntry> picked;
  for (auto& entry : listing) {
    if (!entry.regular || !core::is_plain_name(entry.name) || entry.size == 0) {
      continue;
    }
    if (spec.file ? entry.name == *spec.file : (!picked || entry.size > picked->size)) {
      picked = std::move(entry);
    }
  }
  if (!picked) {
    const auto peer = peer::describe_peer(spec.endpoint, spec.collect_dir);
    throw Error(ExitCode::action,
                spec.file ? fmt::format("{}: no regular file [{}] to read.", peer, *spec.file)
                          : fmt::format("{}: no regular file to read.", peer));
  }
  picked->size = std::min(picked->size, spec.sample_bytes);
  return *picked;
}

// One staging of the sample (the file cut to the sample's size, no
// manifest) into a fresh directory below `dir`, removed afterwards, as
// stage stages a file; the seconds it took, connection excluded. The peer
// is never written to.
PointResult stage_sample(const BenchSpec& spec, SftpPoint point, const peer::SourceEntry& sample,
                         const std::filesystem::path& dir, io::Backend& backend,
                         core::ThreadPool& workers, core::Logger& log) {
  const auto target = dir / fmt::format("{}x{}", point.requests_in_flight, point.request_size);
  std::filesystem::create_directory(target);
  peer::TransferSettings settings;
  settings.backend = &backend;
  settings.buffer_count = 2;
  peer::TransferResult result;
  double seconds = 0.0;
  asio::io_context context(1);
  peer::SftpConnection connection(context, spec.endpoint, settings_of(spec, point));
  // A named lambda: the coroutine refers to its captures until it ends.
  const std::vector<peer::SourceEntry> entries{sample};
  const auto work = [&]() -> asio::awaitable<void> {
    co_await connection.open();
    const auto start = Clock::now();
    co_await peer::transfer_files(connection, spec.collect_dir, entries, target, settings, workers,
                                  log, result);
    seconds = seconds_since(start);
  };
  run(context, work());
  std::filesystem::remove_all(target);
  return {point, result.sent, seconds};
}

} // namespace

std::vector<SftpPoint> points_of(const std::vector<unsigned>& requests_in_flight,
                                 const std::vector<std::size_t>& request_sizes) {
  std::vector<SftpPoint> points;
  for (const auto size : request_sizes) {
    for (const auto in_flight : requests_in_flight) {
      points.push_back({in_flight, size});
    }
  }
  return points;
}

BenchResult measure(const BenchSpec& spec, io::Backend& backend, core::Logger& log,
                    const PointDone& done) {
  BenchResult bench;
  bench.peer = spec.endpoint.peer_name;
  const SftpPoint defaults{peer::SftpSettings{}.requests_in_flight,
                           peer::SftpSettings{}.request_size};
  peer::SourceEntry sample;
  {
    asio::io_context context(1);
    peer::SftpConnection connection(context, spec.endpoint, settings_of(spec, defaults));
    const auto work = [&]() -> asio::awaitable<void> {
      co_await connection.open();
      bench.round_trip = co_await round_trip(connection, spec.collect_dir);
      sample = pick_file(co_await connection.list(spec.collect_dir), spec);
    };
    run(context, work());
  }
  core::ThreadPool workers(1);
  bench.file = sample.name;
  bench.sample_bytes = sample.size;
  bench.rounds = std::max(spec.rounds, 1U);
  const auto work = core::TempDir::create(spec.work_dir, "cback-bench-stage-");
  (void)stage_sample(spec, defaults, sample, work.path(), backend, workers, log);
  for (const auto& point : spec.points) {
    bench.points.push_back({point, 0, 0.0});
  }
  for (unsigned round = 1; round <= bench.rounds; ++round) {
    for (auto& fastest : bench.points) {
      const auto result =
          stage_sample(spec, fastest.point, sample, work.path(), backend, workers, log);
      if (fastest.seconds == 0.0 || result.rate() > fastest.rate()) {
        fastest = result;
      }
      if (done) {
        done(round, result);
      }
    }
  }
  return bench;
}

} // namespace cback::bench_stage
