#pragma once

// The stage action (docs/compatibility.md, "Stage"): copies every peer's collect directory
// into staging_dir/YYYY/MM/DD/<peer>/, several peers at once. Local peers
// are read from disk, remote peers over SFTP (or with rcp_command when
// [stage] transport = "command"). Each file is verified and committed by
// rename (peer/transfer.hpp); a per-peer status record (peer/status.hpp)
// goes into the daily dir. A failed or not-ready peer (unless its
// ignore_failures mode covers it), or a status record that cannot be
// written, makes the action fail with exit 6 after every other peer has
// been staged; cback.stage is written in the daily dir in any case, as the
// original does, and store takes the day only when its record says it is
// complete (docs/stage-status.md).

#include <cback/actions/staging_layout.hpp>
#include <cback/config/model.hpp>
#include <cback/peer/sftp_settings.hpp>
#include <cback/peer/source.hpp>
#include <cback/peer/ssh_session.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::actions {

/// The peers to stage: <stage> peers if any, else <peers>; local peers
/// first, then remote peers, each in configuration order.
std::vector<config::Peer> stage_peers(const config::Config& config);

/// How stage reaches the remote `peer` over SSH: peer::endpoint_for with
/// the [stage] settings (host key policy, compression, timeouts).
peer::SshEndpoint stage_endpoint(const config::Config& config, const config::Peer& peer);

/// How stage reads over SFTP: the [stage] request size, requests in flight
/// and io_timeout, and the run's stop flag.
peer::SftpSettings stage_sftp_settings(Context& context);

/// Whether a peer that is not ready is only logged at INFO (docs/compatibility.md,
/// "Stage"): `all` always; `weekly` on a full run or the week's first day;
/// `daily` on the other days; `none` never.
bool ignores_failure(std::optional<config::IgnoreFailures> mode, bool full_or_start_of_week);

/// Makes the source that reads `peer` (not yet opened): a local peer, or a
/// remote one with [stage] transport = "command" (its rcp_command). Remote
/// peers over SFTP are staged on the event loop (actions/stage_run.cpp),
/// never through a source: asking for one is a logic error.
std::unique_ptr<peer::PeerSource> make_source(Context& context, const config::Peer& peer);

/// What the stage calls to reach a peer: make_source in a run; any other
/// transport (the unit tests' scripted peers) fits the same slot.
using SourceMaker =
    std::function<std::unique_ptr<peer::PeerSource>(Context& context, const config::Peer& peer)>;

/// The action, for the day core::today() (CBACK_TODAY in tests).
void run_stage(Context& context);

} // namespace cback::actions
