// endpoint_for: which configuration values reach an SSH endpoint.

#include <cback/peer/ssh_session.hpp>

#include "support/parts.hpp"

#include <catch2/catch.hpp>

#include <pwd.h>
#include <unistd.h>

#include <string>

namespace cback::peer {

using config::Config;
using config::Options;
using config::Peer;
using config::PeerType;

namespace {

Peer remote_peer(const std::string& name) {
  Peer peer;
  peer.name = name;
  peer.type = PeerType::remote;
  peer.collect_dir = "/var/backup/collect";
  return peer;
}

/// The name of the running user, who is never "another backup user".
std::string running_user() {
  const passwd* entry = ::getpwuid(::geteuid());
  REQUIRE(entry != nullptr);
  return entry->pw_name;
}

} // namespace

TEST_CASE("A bare remote peer is reached at its name on port 22 with the options' user",
          "[ssh][endpoint]") {
  Config config;
  config.options = Options{};
  config.options->backup_user = running_user();
  const auto endpoint = endpoint_for(config, remote_peer("client1"));
  CHECK(endpoint.peer_name == "client1");
  CHECK(endpoint.host == "client1");
  CHECK(endpoint.port == 22);
  CHECK(endpoint.user == running_user());
  CHECK_FALSE(endpoint.identity_file);
  CHECK_FALSE(endpoint.known_hosts_file);
  CHECK_FALSE(endpoint.ssh_dir);
  CHECK_FALSE(endpoint.accept_new_host_key);
}

TEST_CASE("The peer's own SSH fields win over the options defaults", "[ssh][endpoint]") {
  Config config;
  config.options = Options{};
  config.options->backup_user = running_user();
  config.options->identity_file = "/etc/cback/id_options";
  config.options->known_hosts_file = "/etc/cback/known_hosts_options";
  auto peer = remote_peer("client2");
  peer.host = "client2.example.org";
  peer.port = 2222;
  peer.backup_user = "remote";
  peer.identity_file = "/etc/cback/id_peer";

  const auto endpoint = endpoint_for(config, peer);
  CHECK(endpoint.host == "client2.example.org");
  CHECK(endpoint.port == 2222);
  CHECK(endpoint.user == "remote");
  CHECK(endpoint.identity_file == "/etc/cback/id_peer");
  CHECK(endpoint.known_hosts_file == "/etc/cback/known_hosts_options");

  peer.known_hosts_file = "/etc/cback/known_hosts_peer";
  CHECK(endpoint_for(config, peer).known_hosts_file == "/etc/cback/known_hosts_peer");
}

TEST_CASE("A key file under ~ is made absolute", "[ssh][endpoint]") {
  Config config;
  config.options = Options{};
  auto peer = remote_peer("client3");
  peer.identity_file = "~/.ssh/id_backup";
  const auto endpoint = endpoint_for(config, peer);
  REQUIRE(endpoint.identity_file);
  CHECK_FALSE(endpoint.identity_file->starts_with("~"));
  CHECK_THAT(*endpoint.identity_file, Catch::EndsWith("/.ssh/id_backup"));
  CHECK(endpoint.user.empty()); // no user anywhere: ~/.ssh/config or the running user decides
}

TEST_CASE("Run as root for another backup user, that user's ~/.ssh applies", "[ssh][endpoint]") {
  CBACK_REQUIRE_PART(cback::test::running_as_root("picking another user's SSH files"));
  const passwd* daemon_user = ::getpwnam("daemon");
  if (daemon_user == nullptr) {
    cback::test::skip("no 'daemon' account to stand for the backup user");
    return;
  }
  Config config;
  config.options = Options{};
  config.options->backup_user = "daemon";
  auto peer = remote_peer("client4");
  peer.known_hosts_file = "~/.ssh/known_hosts";
  const auto endpoint = endpoint_for(config, peer);
  const std::string home = daemon_user->pw_dir;
  CHECK(endpoint.ssh_dir == home + "/.ssh");
  CHECK(endpoint.known_hosts_file == home + "/.ssh/known_hosts");
  CHECK(endpoint.user == "daemon");
}

} // namespace cback::peer
