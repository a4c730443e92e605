#pragma once

// The capacity extension (docs/compatibility.md, "Extensions"): warns before the medium runs
// out. With max_percentage, the medium's utilization may not exceed it;
// with min_bytes, at least that many bytes must still be free. A medium
// past its limit is an error of the run (exit 6) — a documented change:
// the original only logged an ERROR and exited 0, which cron mail hid.

#include <cback/media/drive.hpp>
#include <cback/media/media_type.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace cback {
struct Context;
}

namespace cback::config {
struct CapacityConfig;
}

namespace cback::extend {

struct MediaUsage {
  std::int64_t used = 0;
  std::int64_t available = 0;
  /// used / (used + available) × 100; 0 when nothing is used.
  [[nodiscard]] double utilized() const;
};

/// The usage of the medium as the store action would see it.
MediaUsage media_usage(const media::MediaTraits& media, const media::MediumState& state);

/// The error message when `usage` breaks the configured limit; nullopt when
/// it is within it.
std::optional<std::string> capacity_problem(const config::CapacityConfig& limits,
                                            const MediaUsage& usage);

void run_capacity(Context& context);

} // namespace cback::extend
