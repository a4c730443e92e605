// Managed clients through the real binary: the master (cback -M / -N) runs
// the client's cback over the loopback sshd, where the "client" is the
// built cback with its own configuration in a temporary directory.

#include "support/parts.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

using cback::test::cback_binary;
using cback::test::part_env;
using cback::test::read_file;
using cback::test::run;
using cback::test::RunResult;
using cback::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct Sshd {
  std::string port;
  std::string key;
  std::string known_hosts;
};

std::optional<Sshd> test_sshd() {
  const auto port = part_env("CBACK_TEST_SSH_PORT", "sshd");
  const auto key = part_env("CBACK_TEST_SSH_KEY", "sshd");
  const auto known_hosts = part_env("CBACK_TEST_SSH_KNOWN_HOSTS", "sshd");
  if (!port || !key || !known_hosts) {
    return std::nullopt;
  }
  return Sshd{*port, *key, *known_hosts};
}

std::string user_name() {
  const passwd* entry = ::getpwuid(::geteuid());
  REQUIRE(entry != nullptr);
  return entry->pw_name;
}

std::string group_name() {
  const group* entry = ::getgrgid(::getegid());
  REQUIRE(entry != nullptr);
  return entry->gr_name;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A port on 127.0.0.1 that is bound but never listens: connections to it
/// are refused for as long as this object lives.
class ClosedPort {
public:
  ClosedPort() : m_fd(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(m_fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    m_port = ntohs(address.sin_port);
  }
  ~ClosedPort() { ::close(m_fd); }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  [[nodiscard]] int port() const { return m_port; }

private:
  int m_fd;
  int m_port = 0;
};

/// The [options] and [collect] of a machine that collects NAME/src into
/// NAME/collect; `extra_options` is added to [options].
std::string machine_config(const TempDir& dir, const std::string& name,
                           const std::string& extra_options = "") {
  fs::create_directories(dir / (name + "/work"));
  fs::create_directories(dir / (name + "/collect"));
  dir.write(name + "/src/file.txt", "data of " + name + "\n");
  return fmt::format(R"([reference]
author = "tests"

[options]
starting_day = "monday"
working_dir = '{}'
backup_user = "{}"
backup_group = "{}"
rcp_command = "/usr/bin/scp -B"
{}
[collect]
collect_dir = '{}'
ignore_file = ".cbignore"

[[collect.dir]]
abs_path = '{}'
collect_mode = "daily"
archive_mode = "tar"
)",
                     (dir / (name + "/work")).string(), user_name(), group_name(), extra_options,
                     (dir / (name + "/collect")).string(), (dir / (name + "/src")).string());
}

enum class Managed { yes, no };

/// A remote peer reached on `port`, running `cback_command` when managed.
std::string managed_peer(const std::string& name, const std::string& port,
                         const std::string& cback_command, const std::string& extra = "",
                         Managed managed = Managed::yes) {
  return fmt::format(R"(
[[peers.peer]]
name = "{}"
type = "remote"
collect_dir = "/unused/{}"
host = "127.0.0.1"
port = {}
managed = {}
cback_command = "{}"
{}
)",
                     name, name, port, managed == Managed::yes, cback_command, extra);
}

/// A master and any number of clients in one temporary directory.
struct Pool {
  TempDir dir;
  Sshd sshd;
  fs::path master_config;

  explicit Pool(Sshd coordinates) : sshd(std::move(coordinates)) {}

  /// Writes NAME.toml for a client; returns the cback command that runs it.
  std::string client(const std::string& name) const {
    const auto config = dir.write(name + ".toml", machine_config(dir, name));
    return fmt::format("{} --verbose --config {} --logfile {}", cback_binary(), config.string(),
                       (dir / (name + ".log")).string());
  }

  void master(const std::string& peers) {
    const auto options = fmt::format(R"(rsh_command = "/usr/bin/ssh"
identity_file = '{}'
known_hosts_file = '{}'
managed_actions = ["collect"]
)",
                                     sshd.key, sshd.known_hosts);
    master_config = dir.write("master.toml", machine_config(dir, "master", options) + peers);
  }

  [[nodiscard]] RunResult run_master(const std::vector<std::string>& arguments) const {
    std::vector<std::string> argv{cback_binary(), "--config", master_config.string(), "--logfile",
                                  (dir / "master.log").string()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run(argv);
  }

  [[nodiscard]] bool collected(const std::string& name) const {
    return fs::exists(dir / (name + "/collect/cback.collect"));
  }
  [[nodiscard]] std::string log(const std::string& name) const {
    return read_file(dir / (name + ".log"));
  }
};

} // namespace

TEST_CASE("With -N the action runs on the managed client only and its output is logged",
          "[managed][ssh]") {
  auto sshd = test_sshd();
  if (!sshd) {
    return;
  }
  Pool pool(*sshd);
  pool.master(managed_peer("client1", sshd->port, pool.client("client1")));

  const auto result = pool.run_master({"-N", "collect"});
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(pool.collected("client1"));
  CHECK_FALSE(pool.collected("master"));
  const auto master_log = pool.log("master");
  CHECK(contains(master_log, "Managed client [client1]: Cedar Backup run started."));
  CHECK(
      contains(master_log, "Managed client [client1]: Cedar Backup run completed with status 0."));
  CHECK_FALSE(contains(pool.log("client1"), "--full"));
}

TEST_CASE("With -M the local action runs first, then the managed one, with --full passed on",
          "[managed][ssh]") {
  auto sshd = test_sshd();
  if (!sshd) {
    return;
  }
  Pool pool(*sshd);
  pool.master(managed_peer("client1", sshd->port, pool.client("client1")));

  const auto result = pool.run_master({"-M", "--full", "collect"});
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(pool.collected("master"));
  CHECK(pool.collected("client1"));
  CHECK(contains(pool.log("client1"), "--full"));

  const auto master_log = pool.log("master");
  // The client logs the same line, behind "Managed client [client1]: ".
  const auto local_done = master_log.find("Executed the 'collect' action successfully.");
  const auto remote_start = master_log.find("Managed client [client1]:");
  REQUIRE(local_done != std::string::npos);
  REQUIRE(remote_start != std::string::npos);
  CHECK(local_done < remote_start);
}

TEST_CASE("Failed and unreachable clients are named, the others still run, and the run exits 6",
          "[managed][ssh]") {
  auto sshd = test_sshd();
  if (!sshd) {
    return;
  }
  Pool pool(*sshd);
  const ClosedPort closed;
  const auto missing_config = (pool.dir / "no-such.toml").string();
  pool.master(managed_peer("broken", sshd->port, cback_binary() + " --config " + missing_config) +
              managed_peer("gone", std::to_string(closed.port()), "/usr/bin/cback") +
              managed_peer("client1", sshd->port, pool.client("client1")));

  const auto result = pool.run_master({"-N", "collect"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 6);
  CHECK(pool.collected("client1"));
  const auto master_log = pool.log("master");
  CHECK(contains(master_log, "Failed to execute action [collect] on managed client [broken]."));
  CHECK(contains(master_log, "Failed to execute action [collect] on managed client [gone]."));
  CHECK(contains(master_log, "with exit status 4"));
  CHECK(contains(master_log,
                 "Peer [gone]: cannot connect to 127.0.0.1:" + std::to_string(closed.port())));
  CHECK(contains(master_log, "Managed actions failed on 2 client(s): [collect] on [broken], "
                             "[collect] on [gone]."));
  CHECK(contains(result.out + result.err, "managed client [gone]"));
}

TEST_CASE("Only managed actions go to managed peers", "[managed][ssh]") {
  auto sshd = test_sshd();
  if (!sshd) {
    return;
  }
  Pool pool(*sshd);
  // The "cback command" records the arguments it was sent.
  const auto recorder = [&pool](const std::string& name) {
    return fmt::format("echo >>{}", (pool.dir / ("sent-" + name)).string());
  };
  pool.master(
      managed_peer("managed", sshd->port, recorder("managed")) +
      managed_peer("unmanaged", sshd->port, recorder("unmanaged"), "", Managed::no) +
      managed_peer("purger", sshd->port, recorder("purger"), R"(managed_actions = ["purge"])"));

  auto result = pool.run_master({"-N", "stage"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  result = pool.run_master({"-N", "--full", "collect"});
  CHECK(result.exit_code == 0);

  CHECK(read_file(pool.dir / "sent-managed") == "--full collect\n");
  CHECK_FALSE(fs::exists(pool.dir / "sent-unmanaged"));
  CHECK_FALSE(fs::exists(pool.dir / "sent-purger"));
}
