#include <cback/actions/stage.hpp>

#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/peer/command_source.hpp>
#include <cback/peer/local_source.hpp>

#include <fmt/format.h>

#include <stdexcept>

#include <unistd.h>

namespace cback::actions {

peer::SshEndpoint stage_endpoint(const config::Config& config, const config::Peer& peer) {
  auto endpoint = peer::endpoint_for(config, peer);
  const auto& stage = *config.stage;
  endpoint.accept_new_host_key = stage.accept_new_host_keys;
  endpoint.compression = stage.ssh_compression;
  endpoint.connect_timeout = std::chrono::seconds(stage.connect_timeout);
  endpoint.io_timeout = std::chrono::seconds(stage.io_timeout);
  return endpoint;
}

peer::SftpSettings stage_sftp_settings(Context& context) {
  const auto& stage = *context.config.stage;
  peer::SftpSettings settings;
  settings.request_size = static_cast<std::size_t>(stage.sftp_request_size);
  settings.requests_in_flight = static_cast<unsigned>(stage.sftp_requests_in_flight);
  settings.io_timeout = std::chrono::seconds(stage.io_timeout);
  settings.stop = &context.stop;
  return settings;
}

namespace {

// As the original: the peer's rcp_command or the options'; the peer's
// backup_user or the options'; as root the copy runs as the backup user.
peer::CommandEndpoint command_endpoint(const config::Config& config, const config::Peer& peer) {
  const auto& options = *config.options;
  peer::CommandEndpoint endpoint;
  endpoint.peer_name = peer.name;
  endpoint.remote =
      fmt::format("{}@{}", peer.backup_user.value_or(options.backup_user.value_or("")),
                  peer.host.value_or(peer.name));
  endpoint.collect_dir = peer.collect_dir;
  endpoint.rcp =
      core::split_command_line(peer.rcp_command.value_or(options.rcp_command.value_or("")));
  if (::geteuid() == 0 && options.backup_user) {
    endpoint.su_as = options.backup_user;
  }
  endpoint.working_dir = options.working_dir.value_or("/tmp");
  return endpoint;
}

} // namespace

std::unique_ptr<peer::PeerSource> make_source(Context& context, const config::Peer& peer) {
  const auto& config = context.config;
  if (peer.type == config::PeerType::local) {
    return std::make_unique<peer::LocalSource>(peer.name, peer.collect_dir);
  }
  if (config.stage->transport != config::StageTransport::command) {
    throw std::logic_error("stage reaches SFTP peers on its event loop, not through a source");
  }
  return std::make_unique<peer::CommandSource>(command_endpoint(config, peer), context.runner);
}

} // namespace cback::actions
