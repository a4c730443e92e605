#pragma once

// Private to the stage action: the resolved plan of one run and the
// per-peer work (src/actions/stage_run.cpp).

#include <cback/actions/stage.hpp>
#include <cback/actions/stage_order.hpp>
#include <cback/config/model.hpp>
#include <cback/core/outputs.hpp>
#include <cback/io/backend.hpp>
#include <cback/peer/status.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::actions::detail {

struct StagePlan {
  std::string date;                            ///< YYYY-MM-DD
  std::filesystem::path daily_dir;             ///< staging_dir/YYYY/MM/DD
  std::vector<config::Peer> peers;             ///< local first, then remote
  bool full_or_start_of_week = false;          ///< for ignore_failures
  core::Outputs outputs;                       ///< owns only when running as root
  bool progress = false;                       ///< a progress line per peer
  std::optional<double> bandwidth_limit;       ///< bytes per second per peer
  std::optional<double> total_bandwidth_limit; ///< bytes per second, all peers together
  unsigned max_concurrent = 1;                 ///< peers at once
  io::Backend* backend = nullptr;
  SourceMaker make_source = actions::make_source; ///< each peer's source, not yet opened
  /// Remote peers are reached over SFTP on the event loop (not through
  /// make_source): [stage] transport = "sftp" in a run.
  bool remote_on_loop = false;
  PeerStarts* starts = nullptr; ///< notes when each peer begins; may be null
};

struct StageOutcome {
  std::vector<peer::PeerStatus> statuses; ///< plan order
  std::string record_error;               ///< why the last status record write failed
};

/// Stages every peer of `plan`, max_concurrent at a time in plan order:
/// remote SFTP peers on the event loop when plan.remote_on_loop, the
/// others each on a thread through the source plan.make_source gives it.
/// A peer's failure never stops the others. Writes the status
/// record before the first peer (replacing an earlier run's) and after
/// each peer; a failed write is logged and reported in the outcome, not
/// thrown. Throws cback::Error(action) before staging anything when the
/// first write fails and an earlier run's record cannot be removed.
StageOutcome stage_all(Context& context, const StagePlan& plan);

} // namespace cback::actions::detail
