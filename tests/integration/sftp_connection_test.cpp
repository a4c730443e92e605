// SftpConnection against the loopback OpenSSH sshd of tools/servers.sh:
// many connections driven by one thread pull their files byte-equal; a
// server that stops answering fails its peer on io_timeout while the others
// finish; a stop request ends every transfer; a file shorter than listed
// fails naming it; a listing without end is cut off at the listing limit.

#include <cback/core/digest.hpp>
#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>
#include <cback/peer/sftp_connection.hpp>

#include "support/hostile_sshd.hpp"
#include "support/parts.hpp"
#include "support/random_bytes.hpp"
#include "support/stage_pool.hpp"
#include "support/temp_dir.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <exception>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using cback::peer::SftpConnection;
using cback::peer::SftpSettings;
using cback::peer::SshEndpoint;
namespace fs = std::filesystem;

namespace cback::test {
namespace {

SshEndpoint endpoint_of(const TestSshd& sshd, const std::string& name) {
  SshEndpoint endpoint;
  endpoint.peer_name = name;
  endpoint.host = "127.0.0.1";
  endpoint.port = std::stoi(sshd.port);
  endpoint.user = sshd.user;
  endpoint.identity_file = sshd.key;
  endpoint.known_hosts_file = sshd.known_hosts;
  endpoint.connect_timeout = std::chrono::seconds(30);
  return endpoint;
}

/// The endpoint of the test sshd reached through `relay`, its host key
/// recorded for the relay's port in a known_hosts file of `dir`.
SshEndpoint relayed_endpoint(const TestSshd& sshd, const std::string& name,
                             const StallingRelay& relay, const TempDir& dir) {
  auto endpoint = endpoint_of(sshd, name);
  endpoint.port = relay.port();
  const auto host_pub = read_file(sshd.host_pub);
  endpoint.known_hosts_file =
      dir.write("known_hosts_" + name, fmt::format("[127.0.0.1]:{} {}\n", relay.port(),
                                                   host_pub.substr(0, host_pub.rfind(' '))))
          .string();
  return endpoint;
}

/// What one peer's coroutine did: the files it read, or the error it ended
/// with.
struct Outcome {
  std::map<std::string, std::string> files;
  std::vector<cback::peer::SourceEntry> listing;
  std::optional<cback::Error> error;
  bool finished = false;
};

/// Runs `work` for each connection on `context` and the context on this
/// thread until all are done; every sink call is checked to come from it.
void run_all(asio::io_context& context, std::vector<std::function<asio::awaitable<void>()>> works,
             std::vector<Outcome>& outcomes) {
  outcomes.resize(works.size());
  for (std::size_t i = 0; i < works.size(); ++i) {
    asio::co_spawn(
        context,
        [&outcomes, i, work = std::move(works[i])]() -> asio::awaitable<void> {
          try {
            co_await work();
            outcomes[i].finished = true;
          } catch (const cback::Error& error) {
            outcomes[i].error = error;
          }
        },
        asio::detached);
  }
  context.run();
}

/// A sink that appends what it receives to `text`, checking that each
/// piece arrives on `thread`.
cback::peer::ByteSink append_to(std::string& text,
                                std::thread::id thread = std::this_thread::get_id()) {
  return [&text, thread](std::span<const std::byte> bytes) -> asio::awaitable<bool> {
    CHECK(std::this_thread::get_id() == thread);
    text.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    co_return true;
  };
}

/// Reads every regular file of `dir` into the outcome, checking that each
/// piece arrives on `thread`.
asio::awaitable<void> pull_dir(SftpConnection& connection, std::string dir, Outcome& outcome,
                               std::thread::id thread) {
  co_await connection.open();
  outcome.listing = co_await connection.list(dir);
  for (const auto& entry : outcome.listing) {
    const bool complete = co_await connection.read(dir + "/" + entry.name, 0, entry.size,
                                                   append_to(outcome.files[entry.name], thread));
    CHECK(complete);
  }
}

} // namespace

TEST_CASE("Many SFTP connections on one thread pull their files byte-equal", "[stage][sftp]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  const TempDir dir;
  // Sizes around the request size and the pipeline's depth, and empty.
  const std::map<std::string, std::size_t> sizes = {
      {"empty", 0}, {"one", 1}, {"request", 65536}, {"request+1", 65537}, {"big.tar", 3'000'017}};
  std::map<std::string, std::string> contents;
  for (const auto& [name, size] : sizes) {
    contents[name] = random_bytes(size, name.size());
    dir.write("collect/" + name, contents[name]);
  }
  const std::string collect = (dir / "collect").string();

  asio::io_context context;
  constexpr std::size_t k_peers = 24;
  std::vector<std::unique_ptr<SftpConnection>> connections;
  std::vector<std::function<asio::awaitable<void>()>> works;
  std::vector<Outcome> outcomes(k_peers);
  const auto thread = std::this_thread::get_id();
  for (std::size_t i = 0; i < k_peers; ++i) {
    SftpSettings settings;
    // Small requests and shallow pipelines too: more rounds, same bytes.
    settings.request_size = i % 3 == 0 ? 4096 : 65536;
    settings.requests_in_flight = i % 2 == 0 ? 1 : 32;
    connections.push_back(std::make_unique<SftpConnection>(
        context, endpoint_of(*sshd, "peer" + std::to_string(i)), settings));
    works.emplace_back([&, i] { return pull_dir(*connections[i], collect, outcomes[i], thread); });
  }
  run_all(context, std::move(works), outcomes);

  for (std::size_t i = 0; i < k_peers; ++i) {
    INFO("peer " << i << ": " << (outcomes[i].error ? outcomes[i].error->what() : "no error"));
    REQUIRE(outcomes[i].finished);
    CHECK(outcomes[i].listing.size() == sizes.size());
    for (const auto& entry : outcomes[i].listing) {
      CHECK(entry.regular);
      CHECK(entry.size == sizes.at(entry.name));
    }
    for (const auto& [name, content] : contents) {
      INFO("file " << name);
      CHECK(core::sha256(outcomes[i].files[name]) == core::sha256(content));
    }
  }
}

TEST_CASE("A read from an offset, a stat and an empty file written over SFTP", "[stage][sftp]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  const TempDir dir;
  const auto content = random_bytes(200'000, 7);
  const auto file = dir.write("collect/data", content).string();
  const auto marker = (dir / "collect" / "cback.stage").string();

  asio::io_context context;
  SftpConnection connection(context, endpoint_of(*sshd, "alpha"), SftpSettings{});
  std::string tail;
  std::optional<cback::peer::sftp::Attributes> present;
  std::optional<cback::peer::sftp::Attributes> missing;
  std::vector<Outcome> outcomes;
  run_all(context, {[&]() -> asio::awaitable<void> {
            co_await connection.open();
            present = co_await connection.stat(file);
            missing = co_await connection.stat(file + ".none");
            co_await connection.read(file, 123'457, content.size(), append_to(tail));
            co_await connection.create_empty(marker);
          }},
          outcomes);
  INFO((outcomes[0].error ? outcomes[0].error->what() : "no error"));
  REQUIRE(outcomes[0].finished);
  REQUIRE(present);
  CHECK(present->size == content.size());
  CHECK(present->regular());
  CHECK_FALSE(missing);
  CHECK(tail == content.substr(123'457));
  REQUIRE(fs::exists(marker));
  CHECK(fs::file_size(marker) == 0);
  // 0644 asked for; the server's umask may take more away, never add.
  const auto mode = fs::status(marker).permissions();
  CHECK((mode & (fs::perms::owner_read | fs::perms::owner_write)) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK((mode & (fs::perms::owner_exec | fs::perms::group_write | fs::perms::group_exec |
                 fs::perms::others_write | fs::perms::others_exec)) == fs::perms::none);
}

TEST_CASE("A file shorter than its listed size fails the peer naming the file", "[stage][sftp]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  const TempDir dir;
  // The last request is answered short, the pipeline restarts there, and
  // the server then says end of file.
  const auto content = random_bytes(100'000, 3);
  const auto file = dir.write("collect/shrunk.tar", content).string();
  asio::io_context context;
  SftpConnection connection(context, endpoint_of(*sshd, "shrinking"), SftpSettings{});
  std::string got;
  std::vector<Outcome> outcomes;
  run_all(context, {[&]() -> asio::awaitable<void> {
            co_await connection.open();
            co_await connection.read(file, 0, 300'000, append_to(got));
          }},
          outcomes);
  REQUIRE(outcomes[0].error);
  CHECK(outcomes[0].error->code() == cback::ExitCode::action);
  CHECK_THAT(outcomes[0].error->what(), Catch::Contains("Peer [shrinking]"));
  CHECK_THAT(outcomes[0].error->what(), Catch::Contains(file));
  CHECK_THAT(outcomes[0].error->what(),
             Catch::Contains("ended at byte 100000, before its listed size of 300000 bytes"));
  CHECK(got == content);
}

TEST_CASE("A peer that stops answering fails on io_timeout while the others finish",
          "[stage][sftp]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  const TempDir dir;
  const auto content = random_bytes(4'000'000, 11);
  dir.write("collect/big.tar", content);
  const std::string collect = (dir / "collect").string();
  // The relay passes the handshake and a part of the file, then nothing.
  StallingRelay relay(std::stoi(sshd->port), 600'000);

  asio::io_context context;
  SftpSettings settings;
  settings.io_timeout = std::chrono::seconds(2);
  std::vector<std::unique_ptr<SftpConnection>> connections;
  connections.push_back(std::make_unique<SftpConnection>(
      context, relayed_endpoint(*sshd, "stuck", relay, dir), settings));
  for (int i = 0; i < 4; ++i) {
    connections.push_back(std::make_unique<SftpConnection>(
        context, endpoint_of(*sshd, "fine" + std::to_string(i)), settings));
  }
  std::vector<Outcome> outcomes(connections.size());
  std::vector<std::function<asio::awaitable<void>()>> works;
  const auto thread = std::this_thread::get_id();
  for (std::size_t i = 0; i < connections.size(); ++i) {
    works.emplace_back([&, i] { return pull_dir(*connections[i], collect, outcomes[i], thread); });
  }
  run_all(context, std::move(works), outcomes);

  REQUIRE(outcomes[0].error);
  CHECK(outcomes[0].error->code() == cback::ExitCode::action);
  CHECK_THAT(outcomes[0].error->what(), Catch::Contains("Peer [stuck]"));
  CHECK_THAT(outcomes[0].error->what(), Catch::Contains("big.tar"));
  CHECK_THAT(outcomes[0].error->what(), Catch::Contains("no answer for 2 s (io_timeout)"));
  for (std::size_t i = 1; i < outcomes.size(); ++i) {
    INFO("peer " << i << ": " << (outcomes[i].error ? outcomes[i].error->what() : "no error"));
    REQUIRE(outcomes[i].finished);
    CHECK(core::sha256(outcomes[i].files["big.tar"]) == core::sha256(content));
  }
}

TEST_CASE("A stop request ends every SFTP transfer in flight", "[stage][sftp]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  const TempDir dir;
  dir.write("collect/big.tar", random_bytes(4'000'000, 5));
  const std::string collect = (dir / "collect").string();
  // Every peer hangs mid-file; io_timeout is far away, so only the stop
  // can end them.
  std::vector<std::unique_ptr<StallingRelay>> relays;
  asio::io_context context;
  core::StopFlag stop;
  SftpSettings settings;
  settings.io_timeout = std::chrono::hours(1);
  settings.stop = &stop;
  std::vector<std::unique_ptr<SftpConnection>> connections;
  std::vector<Outcome> outcomes(3);
  std::vector<std::function<asio::awaitable<void>()>> works;
  int receiving = 0;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    relays.push_back(std::make_unique<StallingRelay>(std::stoi(sshd->port), 400'000));
    connections.push_back(std::make_unique<SftpConnection>(
        context, relayed_endpoint(*sshd, "peer" + std::to_string(i), *relays.back(), dir),
        settings));
    works.emplace_back([&, i]() -> asio::awaitable<void> {
      auto& connection = *connections[i];
      co_await connection.open();
      bool counted = false;
      co_await connection.read(collect + "/big.tar", 0, 4'000'000,
                               [&](std::span<const std::byte>) -> asio::awaitable<bool> {
                                 // Once every peer has data in flight, stop.
                                 if (!counted) {
                                   counted = true;
                                   if (++receiving == static_cast<int>(outcomes.size())) {
                                     stop.request();
                                   }
                                 }
                                 co_return true;
                               });
    });
  }
  run_all(context, std::move(works), outcomes);
  for (const auto& outcome : outcomes) {
    REQUIRE(outcome.error);
    CHECK(outcome.error->code() == cback::ExitCode::interrupted);
  }
}

TEST_CASE("A listing without end fails the peer at the listing limit", "[stage][sftp]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  const TempDir dir;
  auto hostile = HostileSshd::start(*sshd, dir / "hostile", "endless", "-");
  CBACK_REQUIRE_PART(hostile);
  auto endpoint = endpoint_of(*sshd, "endless");
  endpoint.port = hostile->port();
  endpoint.known_hosts_file = hostile->known_hosts().string();
  asio::io_context context;
  SftpConnection connection(context, endpoint, SftpSettings{});
  std::vector<Outcome> outcomes;
  run_all(context, {[&]() -> asio::awaitable<void> {
            co_await connection.open();
            static_cast<void>(co_await connection.list("/collect"));
          }},
          outcomes);
  REQUIRE(outcomes[0].error);
  CHECK(outcomes[0].error->code() == cback::ExitCode::action);
  CHECK_THAT(outcomes[0].error->what(), Catch::Contains("Peer [endless]"));
  CHECK_THAT(outcomes[0].error->what(), Catch::Contains("lists more than 100000 entries"));
}

} // namespace cback::test
