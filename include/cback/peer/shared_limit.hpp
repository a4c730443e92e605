#pragma once

// The run's total_bandwidth_limit: one rate shared by every peer of a stage
// run (eight peers on one uplink), on top of each peer's own
// bandwidth_limit. Every peer counts the bytes it received into one
// core::Pacer at the total rate and waits until the bytes counted up to and
// including its own fit the rate.
//
// Why that division is fair: a peer counts one buffer and then waits, so it
// has at most one buffer in the queue. Peers that want more than their
// share take turns, a buffer each, and get the same rate (total / the
// number of them); a peer whose own link is slower than that counts less
// often, and the others use what it leaves. Peers that are connecting,
// writing or waiting on a dead link take nothing. Idle time is not saved
// up beyond a short burst (k_max_lag), so peers that start late do not
// find the link's whole past credit.

#include <cback/core/clock.hpp>
#include <cback/core/pacer.hpp>

#include <cstdint>
#include <mutex>

namespace cback::core {
class StopFlag;
}

namespace cback::peer {

class SharedLimit {
public:
  /// Contract: bytes_per_second > 0. The pace starts now.
  explicit SharedLimit(double bytes_per_second, core::Clock& clock = core::Clock::steady());

  /// Counts `bytes` one peer received and returns when they fit the rate:
  /// after every byte counted before them. Called from any thread.
  [[nodiscard]] core::Clock::TimePoint reserve(std::int64_t bytes);

  /// reserve(bytes), then sleeps until then, in slices of at most 100 ms,
  /// returning early once `stop` (may be null) is requested.
  void pace(std::int64_t bytes, const core::StopFlag* stop = nullptr);

private:
  core::Clock* m_clock;
  std::mutex m_mutex;
  core::Pacer m_pacer;
};

} // namespace cback::peer
