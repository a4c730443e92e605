#include <cback/actions/stage_order.hpp>

#include <cback/core/beneath.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/read_file.hpp>

#include <algorithm>

#include <fcntl.h>

#include <fmt/format.h>

namespace cback::actions {

namespace {

// A status record is a few lines per peer: anything larger is not one.
constexpr std::uint64_t k_record_limit = std::uint64_t{1} << 20;

// staging_dir/YYYY/MM/DD, each component opened beneath the one before
// without following a link; an invalid fd when any is missing or a link.
core::UniqueFd open_day(int staging_fd, std::chrono::year_month_day day) {
  const std::string names[] = {fmt::format("{:04}", static_cast<int>(day.year())),
                               fmt::format("{:02}", static_cast<unsigned>(day.month())),
                               fmt::format("{:02}", static_cast<unsigned>(day.day()))};
  core::UniqueFd dir;
  int parent = staging_fd;
  for (const auto& name : names) {
    dir = core::open_beneath(parent, name, O_RDONLY | O_DIRECTORY);
    if (!dir) {
      return dir;
    }
    parent = dir.get();
  }
  return dir;
}

std::optional<peer::StageStatus> record_of(int staging_fd, std::chrono::year_month_day day) {
  const auto dir = open_day(staging_fd, day);
  if (!dir) {
    return std::nullopt;
  }
  const auto text = core::read_file_beneath(dir.get(), peer::k_status_file_name, k_record_limit);
  if (!text) {
    return std::nullopt;
  }
  auto status = peer::decode_status(*text);
  return status ? std::optional(std::move(*status)) : std::nullopt;
}

double seconds(std::uint64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

} // namespace

std::optional<std::uint64_t> expected_ms(const peer::PeerStatus& status) {
  if (status.state != peer::PeerState::staged) {
    return std::nullopt;
  }
  if (status.sent == 0) {
    return status.bytes == 0 ? std::optional(status.duration_ms) : std::nullopt;
  }
  const long double scaled = static_cast<long double>(status.duration_ms) *
                             static_cast<long double>(status.bytes) /
                             static_cast<long double>(status.sent);
  return static_cast<std::uint64_t>(std::min<long double>(scaled, 1e15L));
}

ExpectedTimes expected_times(const std::filesystem::path& staging_dir,
                             std::chrono::year_month_day today) {
  ExpectedTimes expected;
  const core::UniqueFd staging(::open(staging_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!staging) {
    return expected;
  }
  const std::chrono::sys_days start{today};
  for (int back = 1; back <= k_history_days; ++back) {
    const auto record =
        record_of(staging.get(), std::chrono::year_month_day{start - std::chrono::days{back}});
    if (!record) {
      continue;
    }
    for (const auto& status : record->peers) {
      if (const auto ms = expected_ms(status); ms && !expected.contains(status.peer)) {
        expected.emplace(status.peer, *ms);
      }
    }
  }
  return expected;
}

std::vector<config::Peer> order_peers(std::vector<config::Peer> peers,
                                      const ExpectedTimes& expected) {
  const auto remote = std::stable_partition(peers.begin(), peers.end(), [](const auto& peer) {
    return peer.type == config::PeerType::local;
  });
  // No history sorts as the longest: a new peer is never left to the end.
  const auto key = [&](const config::Peer& peer) {
    const auto found = expected.find(peer.name);
    return found == expected.end() ? UINT64_MAX : found->second;
  };
  std::stable_sort(remote, peers.end(),
                   [&](const auto& a, const auto& b) { return key(a) > key(b); });
  return peers;
}

std::optional<BoundingPeer> bounding_peer(const std::vector<peer::PeerStatus>& statuses,
                                          const std::map<std::string, std::uint64_t>& started_ms) {
  std::optional<BoundingPeer> last;
  for (const auto& status : statuses) {
    const auto started = started_ms.find(status.peer);
    const auto finished = (started == started_ms.end() ? 0 : started->second) + status.duration_ms;
    if (!last || finished >= last->finished_ms) {
      last = BoundingPeer{status.peer, finished, status.duration_ms, status.sent};
    }
  }
  return last;
}

std::string bounding_text(const BoundingPeer& bounding) {
  const double rate = bounding.duration_ms == 0
                          ? 0.0
                          : static_cast<double>(bounding.sent) / seconds(bounding.duration_ms);
  return fmt::format("Peer [{}] bounded the day: it finished last, {:.1f} s after the stage "
                     "began, its own stage taking {:.1f} s ({} sent, {}/s).",
                     bounding.peer, seconds(bounding.finished_ms), seconds(bounding.duration_ms),
                     core::display_bytes(static_cast<double>(bounding.sent)),
                     core::display_bytes(rate));
}

void PeerStarts::note(const std::string& peer) {
  const auto elapsed = std::chrono::steady_clock::now() - m_begin;
  const std::lock_guard lock(m_mutex);
  m_started.emplace(peer,
                    static_cast<std::uint64_t>(
                        std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
}

std::map<std::string, std::uint64_t> PeerStarts::started_ms() const {
  const std::lock_guard lock(m_mutex);
  return m_started;
}

} // namespace cback::actions
