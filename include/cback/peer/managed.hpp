#pragma once

// Managed clients (docs/compatibility.md): with -M or -N the master runs each managed
// action on its managed remote peers, right after the local action, as
// `<cback_command> [--full] <action>` in an SSH exec channel. Only --full is
// forwarded; the client uses its own configuration and log. The remote
// output is streamed into the master's log, line by line, with the peer's
// name. Unlike the original, which logged a failure and exited 0, a failed
// client makes the run exit 6 once everything else has run.

#include <cback/config/model.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::peer {

/// The cback command of a managed peer when neither the peer nor <options>
/// sets cback_command.
inline constexpr std::string_view k_default_cback_command = "/usr/bin/cback";

/// `<cback_command> [--full] <action>` for `peer`: its cback_command, else
/// the options', else k_default_cback_command. The command is given to the
/// remote user's shell as it is, so it may carry switches (--config ...).
std::string managed_command(const config::Config& config, const config::Peer& peer,
                            std::string_view action, bool full);

/// One managed action that did not complete on one client.
struct ManagedFailure {
  std::string action;
  std::string peer;
  std::string reason; ///< "exit status 4", or the connection error
};

/// Runs `action` on each of `peers` in order. Each remote output line is
/// logged at INFO as "Managed client [peer]: line". A client that cannot be
/// reached or whose command exits non-zero is logged at ERROR (the cause, then "Failed to
/// execute action [x] on managed client [y].") and returned; the other
/// clients still run. A stop request throws cback::Error(ExitCode::interrupted).
std::vector<ManagedFailure> run_managed_action(Context& context, const std::string& action,
                                               const std::vector<config::Peer>& peers);

/// Throws cback::Error(ExitCode::action) naming every failed client and
/// action; returns when `failures` is empty.
void throw_if_failed(const std::vector<ManagedFailure>& failures);

} // namespace cback::peer
