#pragma once

// What cback-bench stage measures: one file of a remote peer's collect
// directory read through peer::SftpConnection and staged as stage does
// (peer::transfer_files) into a temporary directory (written, hashed, fsynced, renamed, as stage
// does), once for each SFTP setting, on a fresh connection each time; and
// the round trip of a small SFTP request. The peer is only read: nothing
// is written into its collect directory.

#include <cback/peer/ssh_session.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cback::core {
class Logger;
}
namespace cback::io {
class Backend;
}

namespace cback::bench_stage {

/// One pair of the settings tried.
struct SftpPoint {
  unsigned requests_in_flight = 0;
  std::size_t request_size = 0;
  bool operator==(const SftpPoint&) const = default;
};

/// What to measure.
struct BenchSpec {
  peer::SshEndpoint endpoint;
  std::string collect_dir;
  std::vector<SftpPoint> points;
  std::uint64_t sample_bytes = 0;  ///< read per setting, at most
  std::optional<std::string> file; ///< none: the largest file listed
  std::filesystem::path work_dir;  ///< a temporary directory is made in it
  unsigned rounds = 3;             ///< passes over every point
};

/// The fastest round of one point: anything else on the host or the link
/// (another job, a busy CPU) only ever slows a round down.
struct PointResult {
  SftpPoint point;
  std::uint64_t bytes = 0;
  double seconds = 0.0;
  [[nodiscard]] double rate() const {
    return seconds > 0.0 ? static_cast<double>(bytes) / seconds : 0.0;
  }
};

struct BenchResult {
  std::string peer;
  std::string file;                ///< the file read
  std::uint64_t sample_bytes = 0;  ///< read per setting
  unsigned rounds = 0;             ///< passes over every point
  double round_trip = 0.0;         ///< seconds, the fastest of a few SFTP stats
  std::vector<PointResult> points; ///< in the order of the spec
};

/// Every (requests in flight × request size) pair, request sizes outer.
std::vector<SftpPoint> points_of(const std::vector<unsigned>& requests_in_flight,
                                 const std::vector<std::size_t>& request_sizes);

/// Called after each round of each point (its own time, not the fastest
/// yet), for progress on the terminal.
using PointDone = std::function<void(unsigned round, const PointResult& result)>;

/// Connects, measures the round trip, picks the file (a plain name; the
/// largest regular file when none is given), reads it once unmeasured (so
/// that every setting reads from the peer's page cache and the link is
/// what is measured), then `rounds` times over every point, the points
/// taken in turn so that a passing disturbance falls on all of them alike.
/// Throws cback::Error naming the peer and the cause.
BenchResult measure(const BenchSpec& spec, io::Backend& backend, core::Logger& log,
                    const PointDone& done = {});

} // namespace cback::bench_stage
