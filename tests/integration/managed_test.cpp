// Managed clients through the real binary: the master (cback -M / -N) runs
// the client's cback over the loopback sshd, where the "client" is the
// built cback with its own configuration in a temporary directory.

#include "support/local_socket.hpp"
#include "support/parts.hpp"
#include "support/pool.hpp"
#include "support/text.hpp"

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

namespace fs = std::filesystem;

namespace cback::test {

namespace {

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

/// The [options] and [collect] of a machine that collects NAME/src into
/// NAME/collect; `extra_options` is added to [options].
std::string machine_config(const TempDir& dir, const std::string& name,
                           const std::string& extra_options = "") {
  fs::create_directories(dir / (name + "/work"));
  fs::create_directories(dir / (name + "/collect"));
  dir.write(name + "/src/file.txt", "data of " + name + "\n");
  const std::string user = user_name();
  const std::string group = group_name();
  return k_reference_table +
         options_table(dir / (name + "/work"), extra_options, Owner{user, group}) +
         collect_table(dir / (name + "/collect"), dir_item(dir / (name + "/src"), "daily", "tar"));
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
struct ManagedPool : Pool {
  TestSshd sshd;

  explicit ManagedPool(TestSshd coordinates) : sshd(std::move(coordinates)) {}

  /// A master with one managed client, client1.
  void master_of_client1() { master(managed_peer("client1", sshd.port, client("client1"))); }

  /// Writes NAME.toml for a client; returns the cback command that runs it.
  std::string client(const std::string& name) const {
    const auto client_config = dir.write(name + ".toml", machine_config(dir, name));
    return fmt::format("{} --verbose --config {} --logfile {}", cback_binary(),
                       client_config.string(), (dir / (name + ".log")).string());
  }

  void master(const std::string& peers) {
    const auto options = fmt::format(R"(rsh_command = "/usr/bin/ssh"
identity_file = '{}'
known_hosts_file = '{}'
managed_actions = ["collect"]
)",
                                     sshd.key, sshd.known_hosts);
    configure(machine_config(dir, "master", options) + peers, "master.toml");
  }

  [[nodiscard]] RunResult run_master(const Args& arguments) const {
    return run(cback_command(config, dir / "master.log", arguments));
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
  CBACK_REQUIRE_PART(sshd);
  ManagedPool pool(*sshd);
  pool.master_of_client1();

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
  CBACK_REQUIRE_PART(sshd);
  ManagedPool pool(*sshd);
  pool.master_of_client1();

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
  CBACK_REQUIRE_PART(sshd);
  ManagedPool pool(*sshd);
  const LocalSocket closed(Listening::no); // bound, never listening: refused
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
  CBACK_REQUIRE_PART(sshd);
  ManagedPool pool(*sshd);
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

} // namespace cback::test
