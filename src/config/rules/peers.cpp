#include "checks.hpp"

#include <array>
#include <fmt/format.h>
#include <set>

namespace cback::config::rules {
namespace {

/// The fields only a remote peer may carry, and whether a peer sets each.
struct RemoteOnlyField {
  std::string_view key;
  bool (*is_set)(const Peer&);
};

constexpr std::array k_remote_only_fields{
    RemoteOnlyField{"backup_user", [](const Peer& p) { return p.backup_user.has_value(); }},
    RemoteOnlyField{"rcp_command", [](const Peer& p) { return p.rcp_command.has_value(); }},
    RemoteOnlyField{"rsh_command", [](const Peer& p) { return p.rsh_command.has_value(); }},
    RemoteOnlyField{"cback_command", [](const Peer& p) { return p.cback_command.has_value(); }},
    RemoteOnlyField{"managed", [](const Peer& p) { return p.managed; }},
    RemoteOnlyField{"managed_actions", [](const Peer& p) { return p.managed_actions.has_value(); }},
    RemoteOnlyField{"host", [](const Peer& p) { return p.host.has_value(); }},
    RemoteOnlyField{"port", [](const Peer& p) { return p.port.has_value(); }},
    RemoteOnlyField{"identity_file", [](const Peer& p) { return p.identity_file.has_value(); }},
    RemoteOnlyField{"known_hosts_file",
                    [](const Peer& p) { return p.known_hosts_file.has_value(); }},
};

void check_local_peer(const Peer& peer, Problems& problems) {
  for (const auto& field : k_remote_only_fields) {
    if (field.is_set(peer)) {
      report(problems, peer.where,
             fmt::format("Local peer [{}] cannot set {}: it applies to remote peers only.",
                         peer.name, field.key));
    }
  }
}

bool non_empty(const std::optional<std::vector<std::string>>& list) {
  return list && !list->empty();
}

void check_managed_peer(const Peer& peer, const Options* options, Problems& problems) {
  if (!peer.rsh_command && !(options && options->rsh_command)) {
    report(problems, peer.where,
           fmt::format("Remote peer [{}]: remote shell command must either be set in options "
                       "section or individual remote peer.",
                       peer.name));
  }
  if (!peer.cback_command && !(options && options->cback_command)) {
    report(problems, peer.where,
           fmt::format("Remote peer [{}]: remote cback command must either be set in options "
                       "section or individual remote peer.",
                       peer.name));
  }
  if (!non_empty(peer.managed_actions) && !(options && non_empty(options->managed_actions))) {
    report(problems, peer.where,
           fmt::format("Remote peer [{}]: managed actions list must be set in options section "
                       "or individual remote peer.",
                       peer.name));
  }
}

void check_remote_peer(const Peer& peer, const Options* options, Problems& problems) {
  if (!peer.backup_user && !(options && options->backup_user)) {
    report(problems, peer.where,
           fmt::format("Remote peer [{}]: remote user must either be set in options section or "
                       "individual remote peer.",
                       peer.name));
  }
  if (!peer.rcp_command && !(options && options->rcp_command)) {
    report(problems, peer.where,
           fmt::format("Remote peer [{}]: remote copy command must either be set in options "
                       "section or individual remote peer.",
                       peer.name));
  }
  if (peer.managed) {
    check_managed_peer(peer, options, problems);
  }
}

/// The rules of one peer list (<peers> or <stage>); `list` locates it.
void check_peer_list(const Config& config, const std::vector<Peer>& peers, const Where& list,
                     Problems& problems) {
  if (peers.empty()) {
    report(problems, list, "Peer list must contain at least one backup peer.");
    return;
  }
  const Options* options = config.options ? &*config.options : nullptr;
  std::set<std::string> seen;
  for (const auto& peer : peers) {
    if (!seen.insert(peer.name).second) {
      report(problems, peer.where, fmt::format("Duplicate peer names exist: [{}].", peer.name));
    }
    if (peer.type == PeerType::local) {
      check_local_peer(peer, problems);
    } else {
      check_remote_peer(peer, options, problems);
    }
  }
}

} // namespace

void check_peers(const Config& config, Problems& problems) {
  if (config.peers) {
    check_peer_list(config, config.peers->peers, config.peers->where, problems);
  }
  if (!config.stage) {
    return;
  }
  // Peers listed in <stage> replace <peers> for staging; with no <peers>
  // section they are the only peers there are, so they are required.
  if (!config.stage->peers.empty()) {
    check_peer_list(config, config.stage->peers, config.stage->where, problems);
  } else if (!config.peers) {
    report(problems, config.stage->where,
           "Peer list must contain at least one backup peer (in the stage section or in a "
           "peers section).");
  }
}

} // namespace cback::config::rules
