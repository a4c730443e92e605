#pragma once

// The stage status record, `cback.peers` in the daily staging directory:
// one line per peer saying whether it was staged, failed, was not ready, or
// was not ready and skipped under its ignore_failures mode, with counts,
// duration and the error. Store reads it to know which peers' data a day
// holds. Format: docs/stage-status.md. Written atomically.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace cback::peer {

inline constexpr std::string_view k_status_file_name = "cback.peers";
inline constexpr int k_status_version = 1;

enum class PeerState {
  staged,    ///< every file staged and verified
  failed,    ///< an error; what was staged before it is kept
  not_ready, ///< no cback.collect on the peer, and that counts as a failure
  skipped,   ///< no cback.collect, ignored under the peer's ignore_failures
};

std::string_view to_string(PeerState state);

struct PeerStatus {
  std::string peer;
  PeerState state = PeerState::failed;
  std::uint64_t files = 0;       ///< files in the peer's staging dir from its collect dir
  std::uint64_t bytes = 0;       ///< their size
  std::uint64_t sent = 0;        ///< bytes transferred by this run
  std::uint64_t duration_ms = 0; ///< wall time of the peer's stage
  std::string error;             ///< empty unless failed or not ready
  bool operator==(const PeerStatus&) const = default;
};

struct StageStatus {
  std::string date;              ///< the staging day, YYYY-MM-DD
  std::vector<PeerStatus> peers; ///< the order stage took them (actions/stage_order.hpp)
  bool operator==(const StageStatus&) const = default;
};

std::string encode_status(const StageStatus& status);
/// Parses encode_status's output; the error says which line and why.
tl::expected<StageStatus, std::string> decode_status(std::string_view text);
/// Reads and parses a status file; the error names the path.
tl::expected<StageStatus, std::string> load_status(const std::filesystem::path& path);
/// Writes the record atomically (PATH.partial, fsync, rename). Throws
/// cback::Error(ExitCode::action) naming the path when it cannot.
void write_status(const std::filesystem::path& path, const StageStatus& status);

} // namespace cback::peer
