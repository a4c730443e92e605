#include <cback/actions/stage.hpp>

#include <cback/core/error.hpp>
#include <cback/peer/local_source.hpp>
#include <cback/peer/sftp_source.hpp>

#include <fmt/format.h>

namespace cback::actions {

namespace {

peer::SshEndpoint stage_endpoint(const config::Config& config, const config::Peer& peer) {
  auto endpoint = peer::endpoint_for(config, peer);
  const auto& stage = *config.stage;
  endpoint.accept_new_host_key = stage.accept_new_host_keys;
  endpoint.compression = stage.ssh_compression;
  endpoint.connect_timeout = std::chrono::seconds(stage.connect_timeout);
  endpoint.io_timeout = std::chrono::seconds(stage.io_timeout);
  return endpoint;
}

} // namespace

std::unique_ptr<peer::PeerSource> make_source(const config::Config& config,
                                              const config::Peer& peer) {
  if (peer.type == config::PeerType::local) {
    return std::make_unique<peer::LocalSource>(peer.name, peer.collect_dir);
  }
  const auto& stage = *config.stage;
  if (stage.transport == config::StageTransport::command) {
    throw Error(ExitCode::action, fmt::format("Peer [{}]: the command transport is not "
                                              "available in this version of cback.",
                                              peer.name));
  }
  peer::SftpSettings settings;
  settings.request_size = static_cast<std::size_t>(stage.sftp_request_size);
  settings.requests_in_flight = static_cast<unsigned>(stage.sftp_requests_in_flight);
  return std::make_unique<peer::SftpSource>(stage_endpoint(config, peer), peer.collect_dir,
                                            settings);
}

} // namespace cback::actions
