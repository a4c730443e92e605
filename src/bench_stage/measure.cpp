#include <cback/bench_stage/measure.hpp>

#include <cback/core/beneath.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/temp_dir.hpp>
#include <cback/io/backend.hpp>
#include <cback/peer/sftp_source.hpp>
#include <cback/peer/transfer.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cback::bench_stage {

namespace {

using Clock = std::chrono::steady_clock;

// The fastest of this many SFTP stats is the round trip: the others waited
// for something besides the link.
constexpr int k_round_trips = 5;

// What transfer_peer sees of the peer during a measurement: one file, cut
// to the sample's size, no manifest; and a peer that is never written to
// (cback.stage stays as it was).
class SampleSource final : public peer::PeerSource {
public:
  SampleSource(peer::PeerSource& inner, peer::SourceEntry sample)
      : m_inner(inner), m_sample(std::move(sample)) {}

  void open() override { m_inner.open(); }
  bool collect_indicator_present() override { return true; }
  std::vector<peer::SourceEntry> list() override { return {m_sample}; }
  std::optional<std::string> read_small(const std::string& /*name*/) override {
    return std::nullopt;
  }
  bool pull(const peer::SourceEntry& entry, std::uint64_t offset, core::BufferPool& pool,
            const peer::ChunkSink& sink) override {
    return m_inner.pull(entry, offset, pool, sink);
  }
  void write_stage_indicator() override {}
  [[nodiscard]] std::string describe() const override { return m_inner.describe(); }

private:
  peer::PeerSource& m_inner;
  peer::SourceEntry m_sample;
};

peer::SftpSource connect(const BenchSpec& spec, SftpPoint point) {
  peer::SftpSettings settings;
  settings.request_size = point.request_size;
  settings.requests_in_flight = point.requests_in_flight;
  settings.io_timeout = spec.endpoint.io_timeout;
  return {spec.endpoint, spec.collect_dir, settings};
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double round_trip(peer::PeerSource& source) {
  double fastest = 0.0;
  for (int i = 0; i < k_round_trips; ++i) {
    const auto start = Clock::now();
    (void)source.collect_indicator_present();
    const double took = seconds_since(start);
    fastest = i == 0 ? took : std::min(fastest, took);
  }
  return fastest;
}

// The file named, or the largest regular file with a plain name: the
// listing is the peer's and is not trusted.
peer::SourceEntry pick_file(peer::PeerSource& source, const BenchSpec& spec) {
  std::optional<peer::SourceEntry> picked;
  for (auto& entry : source.list()) {
    if (!entry.regular || !core::is_plain_name(entry.name) || entry.size == 0) {
      continue;
    }
    if (spec.file ? entry.name == *spec.file : (!picked || entry.size > picked->size)) {
      picked = std::move(entry);
    }
  }
  if (!picked) {
    throw Error(
        ExitCode::action,
        spec.file ? fmt::format("{}: no regular file [{}] to read.", source.describe(), *spec.file)
                  : fmt::format("{}: no regular file to read.", source.describe()));
  }
  picked->size = std::min(picked->size, spec.sample_bytes);
  return *picked;
}

// One staging of the sample into a fresh directory below `dir`, removed
// afterwards; the seconds it took, connection excluded.
PointResult stage_sample(const BenchSpec& spec, SftpPoint point, const peer::SourceEntry& sample,
                         const std::filesystem::path& dir, io::Backend& backend,
                         core::Logger& log) {
  auto source = connect(spec, point);
  source.open();
  SampleSource view(source, sample);
  const auto target = dir / fmt::format("{}x{}", point.requests_in_flight, point.request_size);
  std::filesystem::create_directory(target);
  peer::TransferSettings settings;
  settings.backend = &backend;
  const auto start = Clock::now();
  const auto result = peer::transfer_peer(view, target, settings, log);
  PointResult measured{point, result.sent, seconds_since(start)};
  std::filesystem::remove_all(target);
  return measured;
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
  peer::SourceEntry sample;
  {
    auto source =
        connect(spec, {peer::SftpSettings{}.requests_in_flight, peer::SftpSettings{}.request_size});
    source.open();
    bench.round_trip = round_trip(source);
    sample = pick_file(source, spec);
  }
  bench.file = sample.name;
  bench.sample_bytes = sample.size;
  bench.rounds = std::max(spec.rounds, 1U);
  const auto work = core::TempDir::create(spec.work_dir, "cback-bench-stage-");
  (void)stage_sample(spec,
                     {peer::SftpSettings{}.requests_in_flight, peer::SftpSettings{}.request_size},
                     sample, work.path(), backend, log);
  for (const auto& point : spec.points) {
    bench.points.push_back({point, 0, 0.0});
  }
  for (unsigned round = 1; round <= bench.rounds; ++round) {
    for (auto& fastest : bench.points) {
      const auto result = stage_sample(spec, fastest.point, sample, work.path(), backend, log);
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
