// SshSession against the loopback OpenSSH sshd that tools/servers/sshd.sh
// starts: exec with exit status and both output streams, every host key
// verdict, refused keys, and connections that fail (refused, silent).

#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>
#include <cback/peer/ssh_session.hpp>

#include "support/local_socket.hpp"
#include "support/parts.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using cback::peer::SshEndpoint;
using cback::peer::SshSession;
namespace fs = std::filesystem;

namespace cback::test {

namespace {

/// The coordinates of the test sshd; nullopt (skipped or failed as the
/// parts rules say) when it was not started.
std::optional<SshEndpoint> test_endpoint() {
  const auto host = part_env("CBACK_TEST_SSH_HOST", "sshd");
  const auto port = part_env("CBACK_TEST_SSH_PORT", "sshd");
  const auto user = part_env("CBACK_TEST_SSH_USER", "sshd");
  const auto key = part_env("CBACK_TEST_SSH_KEY", "sshd");
  const auto known_hosts = part_env("CBACK_TEST_SSH_KNOWN_HOSTS", "sshd");
  if (!host || !port || !user || !key || !known_hosts) {
    return std::nullopt;
  }
  SshEndpoint endpoint;
  endpoint.peer_name = "loopback";
  endpoint.host = *host;
  endpoint.port = std::stoi(*port);
  endpoint.user = *user;
  endpoint.identity_file = *key;
  endpoint.known_hosts_file = *known_hosts;
  endpoint.connect_timeout = std::chrono::seconds(10);
  return endpoint;
}

struct Output {
  std::vector<std::string> out;
  std::vector<std::string> err;
};

cback::peer::LineSink collect_into(Output& output) {
  return [&output](std::string_view line, bool from_stderr) {
    (from_stderr ? output.err : output.out).emplace_back(line);
  };
}

/// The message of the cback::Error that connecting to `endpoint` throws.
std::string connect_error(const SshEndpoint& endpoint) {
  try {
    SshSession::connect(endpoint);
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::action);
    return error.what();
  }
  FAIL("connecting to " << endpoint.host << ":" << endpoint.port << " did not fail");
  return {};
}

} // namespace

TEST_CASE("A session runs a command and reports its exit status, stdout and stderr", "[ssh]") {
  const auto endpoint = test_endpoint();
  CBACK_REQUIRE_PART(endpoint);
  auto session = SshSession::connect(*endpoint);
  Output output;
  const int status = session.exec("echo one; echo two; echo oops >&2; printf 'no newline'; exit 3",
                                  collect_into(output));
  CHECK(status == 3);
  CHECK(output.out == std::vector<std::string>{"one", "two", "no newline"});
  CHECK(output.err == std::vector<std::string>{"oops"});

  Output second;
  CHECK(session.exec("true", collect_into(second)) == 0);
  CHECK(second.out.empty());
  CHECK(second.err.empty());
  CHECK(session.endpoint().peer_name == "loopback");
  CHECK(session.native() != nullptr);
}

TEST_CASE("A large output arrives complete and in order", "[ssh]") {
  const auto endpoint = test_endpoint();
  CBACK_REQUIRE_PART(endpoint);
  auto session = SshSession::connect(*endpoint);
  Output output;
  CHECK(session.exec("seq 1 100000", collect_into(output)) == 0);
  REQUIRE(output.out.size() == 100000);
  CHECK(output.out.front() == "1");
  CHECK(output.out[49999] == "50000");
  CHECK(output.out.back() == "100000");
}

TEST_CASE("A stop request ends a running remote command", "[ssh]") {
  const auto endpoint = test_endpoint();
  CBACK_REQUIRE_PART(endpoint);
  auto session = SshSession::connect(*endpoint);
  cback::core::StopFlag stop;
  const auto sink = [&stop](std::string_view line, bool) {
    if (line == "started") {
      stop.request();
    }
  };
  // sshd delivers the TERM that exec() sends only to non-root sessions;
  // the loop also ends by itself once the closed channel fails its echo.
  try {
    session.exec("echo started; while sleep 0.1; do echo tick || exit 1; done", sink, stop);
    FAIL("exec returned although a stop was requested");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::interrupted);
  }
}

TEST_CASE("An unknown host key fails the connection and says how to add it", "[ssh]") {
  auto endpoint = test_endpoint();
  CBACK_REQUIRE_PART(endpoint);
  const TempDir dir;
  endpoint->known_hosts_file = dir.write("known_hosts", "").string();
  const auto message = connect_error(*endpoint);
  CHECK_THAT(message, Catch::Contains("Peer [loopback]"));
  CHECK_THAT(message, Catch::Contains("host key of 127.0.0.1:" + std::to_string(endpoint->port) +
                                      " is unknown"));
  CHECK_THAT(message, Catch::Contains("SHA256:"));
  CHECK(read_file(dir / "known_hosts").empty());
}

TEST_CASE("A missing known_hosts file counts as an unknown host key", "[ssh]") {
  auto endpoint = test_endpoint();
  CBACK_REQUIRE_PART(endpoint);
  const TempDir dir;
  endpoint->known_hosts_file = (dir / "none" / "known_hosts").string();
  CHECK_THAT(connect_error(*endpoint), Catch::Contains("is unknown"));
  CHECK_FALSE(fs::exists(dir / "none" / "known_hosts"));
}

TEST_CASE("A changed host key is refused loudly", "[ssh]") {
  auto endpoint = test_endpoint();
  const auto other_key = part_env("CBACK_TEST_SSH_OTHER_KEY", "sshd");
  CBACK_REQUIRE_PART(endpoint && other_key);
  // Another ed25519 key recorded for this host and port.
  const TempDir dir;
  const auto other_public = read_file(*other_key + ".pub");
  endpoint->known_hosts_file =
      dir.write("known_hosts", "[127.0.0.1]:" + std::to_string(endpoint->port) + " " + other_public)
          .string();
  endpoint->accept_new_host_key = true; // never applies to a changed key
  const auto message = connect_error(*endpoint);
  CHECK_THAT(message, Catch::Contains("Peer [loopback]"));
  CHECK_THAT(message, Catch::Contains("HAS CHANGED"));
  CHECK_THAT(message, Catch::Contains(*endpoint->known_hosts_file));
  CHECK(read_file(dir / "known_hosts") ==
        "[127.0.0.1]:" + std::to_string(endpoint->port) + " " + other_public);
}

TEST_CASE("Accepting new host keys records the key, which later connections check", "[ssh]") {
  auto endpoint = test_endpoint();
  const auto host_pub = part_env("CBACK_TEST_SSH_HOST_PUB", "sshd");
  CBACK_REQUIRE_PART(endpoint && host_pub);
  const TempDir dir;
  endpoint->known_hosts_file = (dir / "ssh" / "known_hosts").string();
  endpoint->accept_new_host_key = true;
  {
    auto session = SshSession::connect(*endpoint);
    Output output;
    CHECK(session.exec("echo hello", collect_into(output)) == 0);
    CHECK(output.out == std::vector<std::string>{"hello"});
  }
  const auto recorded = read_file(*endpoint->known_hosts_file);
  const auto host_key = read_file(*host_pub);
  const auto key_blob = host_key.substr(0, host_key.find(' ', host_key.find(' ') + 1));
  CHECK_THAT(recorded,
             Catch::StartsWith("[127.0.0.1]:" + std::to_string(endpoint->port) + " " + key_blob));

  endpoint->accept_new_host_key = false;
  auto again = SshSession::connect(*endpoint);
  Output output;
  CHECK(again.exec("exit 0", collect_into(output)) == 0);
  CHECK(read_file(*endpoint->known_hosts_file) == recorded);
}

TEST_CASE("A key the server does not accept is refused, and no password is tried", "[ssh]") {
  auto endpoint = test_endpoint();
  const auto other_key = part_env("CBACK_TEST_SSH_OTHER_KEY", "sshd");
  CBACK_REQUIRE_PART(endpoint && other_key);
  endpoint->identity_file = *other_key;
  const auto message = connect_error(*endpoint);
  CHECK_THAT(message, Catch::Contains("Peer [loopback]"));
  CHECK_THAT(message, Catch::Contains("refused the key " + *other_key));
  CHECK_THAT(message, Catch::Contains("for user " + endpoint->user));
}

TEST_CASE("A missing identity file is named in the error", "[ssh]") {
  auto endpoint = test_endpoint();
  CBACK_REQUIRE_PART(endpoint);
  const TempDir dir;
  endpoint->identity_file = (dir / "no_such_key").string();
  CHECK_THAT(connect_error(*endpoint),
             Catch::Contains("cannot read the SSH key " + (dir / "no_such_key").string()));
}

TEST_CASE("A closed port fails at once with connection refused", "[ssh]") {
  SshEndpoint endpoint;
  endpoint.peer_name = "nobody-home";
  endpoint.host = "127.0.0.1";
  {
    const LocalSocket bound(Listening::no); // reserved, never listening: refused
    endpoint.port = bound.port();
    endpoint.connect_timeout = std::chrono::seconds(30);
    const auto message = connect_error(endpoint);
    CHECK_THAT(message, Catch::Contains("Peer [nobody-home]: cannot connect to 127.0.0.1:" +
                                        std::to_string(endpoint.port)));
    CHECK_THAT(message, Catch::Contains("refused"));
  }
}

/// The endpoint of a socket that the kernel accepts and nobody ever answers.
SshEndpoint silent_endpoint(const LocalSocket& silent, std::chrono::seconds connect_timeout) {
  SshEndpoint endpoint;
  endpoint.peer_name = "silent";
  endpoint.host = "127.0.0.1";
  endpoint.port = silent.port();
  endpoint.connect_timeout = connect_timeout;
  return endpoint;
}

TEST_CASE("A server that never speaks SSH fails after the connect timeout", "[ssh]") {
  const LocalSocket silent(Listening::yes);
  const auto endpoint = silent_endpoint(silent, std::chrono::seconds(1));
  const auto message = connect_error(endpoint);
  CHECK_THAT(message, Catch::Contains("Peer [silent]: cannot connect to 127.0.0.1:" +
                                      std::to_string(endpoint.port)));
  CHECK_THAT(message, Catch::Contains("imeout") || Catch::Contains("timed out"));
}

TEST_CASE("A stop request ends a connection attempt that would wait for the connect timeout",
          "[ssh]") {
  const LocalSocket silent(Listening::yes);
  // Far beyond the test's own time limit: only the stop can end the attempt.
  const auto endpoint = silent_endpoint(silent, std::chrono::seconds(86400));
  core::StopFlag stop;
  std::jthread stopper([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.request();
  });
  try {
    SshSession::connect(endpoint, &stop);
    FAIL("connecting to a silent server succeeded");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::interrupted);
  }
  CHECK(stop.requested());
}

} // namespace cback::test
