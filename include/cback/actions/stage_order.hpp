#pragma once

// The order in which stage takes its peers, and which peer bounded the day
// (docs/ARCHITECTURE.md, "Stage"). The day is over when the last peer is;
// with fewer threads than peers, a slow peer taken last starts only when
// the others are done and ends the day late. So the remote peers whose
// stage is expected to take longest start first, the expected time coming
// from the status records (docs/stage-status.md) of earlier days.

#include <cback/actions/stage.hpp>
#include <cback/config/model.hpp>
#include <cback/peer/status.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cback::actions {

/// Expected milliseconds of each peer's stage, by peer name.
using ExpectedTimes = std::map<std::string, std::uint64_t>;

/// How many days before today stage looks at for status records.
inline constexpr int k_history_days = 14;

/// What one record says of the peer's next stage: the time the day's whole
/// data would have taken at the rate seen (duration × bytes / sent), the
/// duration itself for a peer with nothing to send, nothing for a record
/// that tells no rate (failed, not ready, skipped, or a re-run that found
/// everything already staged).
std::optional<std::uint64_t> expected_ms(const peer::PeerStatus& status);

/// The expected time of every peer with a usable record in the
/// k_history_days days before `today` under `staging_dir`, from the newest
/// such record of each. The staging dir belongs to the backup user: days
/// and records are opened beneath it without following links, a record of
/// more than 1 MiB or that does not read is passed over.
ExpectedTimes expected_times(const std::filesystem::path& staging_dir,
                             std::chrono::year_month_day today);

/// `peers` as stage_peers gives them (local first, then remote, each in
/// configuration order) with the remote peers reordered: those without an
/// expected time first (a new peer may be the slowest; starting it first
/// costs at most a thread for a while), then the longest expected time
/// first; ties keep configuration order. Local peers stay first: they are
/// read from disk, and their time says nothing of a link.
std::vector<config::Peer> order_peers(std::vector<config::Peer> peers,
                                      const ExpectedTimes& expected);

/// The peer that finished last, which the day waited for.
struct BoundingPeer {
  std::string peer;
  std::uint64_t finished_ms = 0; ///< after the stage began
  std::uint64_t duration_ms = 0; ///< of the peer's own stage
  std::uint64_t sent = 0;        ///< bytes it transferred
};

/// Of `statuses`, the one whose start (`started_ms`, ms after the stage
/// began; 0 when missing) plus duration is the latest; the later in the
/// list on a tie. Nothing for no statuses.
std::optional<BoundingPeer> bounding_peer(const std::vector<peer::PeerStatus>& statuses,
                                          const std::map<std::string, std::uint64_t>& started_ms);

/// "Peer [web] bounded the day: it finished last, 12.0 s after the stage
/// began, its own stage taking 11.5 s (700.00 MB sent, 60.87 MB/s)."
std::string bounding_text(const BoundingPeer& bounding);

/// When each peer's stage began: the time the run took it. Thread-safe.
class PeerStarts {
public:
  PeerStarts() : m_begin(std::chrono::steady_clock::now()) {}

  /// Notes that `peer` begins now, unless it began before.
  void note(const std::string& peer);
  /// Milliseconds from construction to each peer's start.
  [[nodiscard]] std::map<std::string, std::uint64_t> started_ms() const;

private:
  std::chrono::steady_clock::time_point m_begin;
  mutable std::mutex m_mutex;
  std::map<std::string, std::uint64_t> m_started;
};

} // namespace cback::actions
