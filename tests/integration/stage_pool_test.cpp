// Stage at pool scale through the real binary: 64 remote peers in one run
// against the loopback sshd, with broken peers among them, and a stop
// request that reaches every transfer in flight.

#include "support/local_socket.hpp"
#include "support/random_bytes.hpp"
#include "support/stage_pool.hpp"

#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <set>

using cback::peer::PeerState;

namespace cback::test {

namespace {

constexpr int k_pool_size = 64;

std::string pool_peer(int index) {
  return fmt::format("peer{:02}", index);
}

/// How many of the peers' staging dirs hold a NAME.partial of at least
/// `min_bytes`.
int partials_of_at_least(const StagePool& pool, const std::string& name, std::uintmax_t min_bytes) {
  int count = 0;
  for (int i = 0; i < k_pool_size; ++i) {
    std::error_code ignored;
    const auto size = fs::file_size(pool.daily() / pool_peer(i) / (name + ".partial"), ignored);
    count += !ignored && size >= min_bytes ? 1 : 0;
  }
  return count;
}

/// Waits for `pid` until `limit` has passed; kills it then. Returns the wait
/// status and whether it ended by itself.
std::pair<int, bool> wait_at_most(pid_t pid, std::chrono::seconds limit) {
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return {status, true};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return {status, false};
}

} // namespace

TEST_CASE("Sixty-four remote peers are staged in one run and a dead, a hanging and a refused "
          "peer fail alone",
          "[stage][ssh][pool]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  // Every peer in flight at once: the broken ones must not hold up the rest.
  pool.stage_keys =
      fmt::format("max_concurrent_peers = {}\nio_timeout = 3\nconnect_timeout = 10\n", k_pool_size);
  const StallingRelay relay(std::stoi(sshd->port), 256 * 1024);
  const auto host_pub = read_file(sshd->host_pub);
  pool.dir.write("relay_known_hosts", fmt::format("[127.0.0.1]:{} {}\n", relay.port(),
                                                  host_pub.substr(0, host_pub.rfind(' '))));
  const std::set<std::string> broken{pool_peer(7), pool_peer(31), pool_peer(50)};
  const auto& dead = pool_peer(7);
  const auto& hangs = pool_peer(31);
  const auto& refused = pool_peer(50);
  for (int i = 0; i < k_pool_size; ++i) {
    const auto name = pool_peer(i);
    if (name == dead) {
      pool.remote_peer(*sshd, name, "", std::to_string(free_port()));
    } else if (name == hangs) {
      pool.remote_peer(
          *sshd, name,
          fmt::format("known_hosts_file = '{}'", (pool.dir / "relay_known_hosts").string()),
          std::to_string(relay.port()));
    } else if (name == refused) {
      pool.remote_peer(*sshd, name, fmt::format("identity_file = '{}'", sshd->other_key));
    } else {
      pool.remote_peer(*sshd, name);
    }
    const auto archive_size = name == hangs ? 2'000'000 : 20'000 + static_cast<std::size_t>(i);
    pool.ready(name, {{"etc.tar.gz", random_bytes(archive_size, 100 + static_cast<unsigned>(i))},
                      {"small.txt", name},
                      {"empty", ""}});
    pool.manifest(name, {"etc.tar.gz"});
  }
  RunOptions options;
  options.timeout = std::chrono::seconds(120);
  const auto result = pool.stage(k_tuesday, options);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 6);
  CHECK(result.out.find("Stage failed for 3 peer(s)") != std::string::npos);
  for (int i = 0; i < k_pool_size; ++i) {
    const auto name = pool_peer(i);
    INFO("peer " << name);
    const auto status = pool.status_of(name);
    if (broken.contains(name)) {
      CHECK(status.state == PeerState::failed);
      CHECK_FALSE(fs::exists(pool.daily() / name / "etc.tar.gz"));
      CHECK_FALSE(fs::exists(pool.collect(name) / "cback.stage"));
      // Promptly: io_timeout (3 s) or a refusal, with a generous margin
      // for a loaded machine, never the connect_timeout of each peer in
      // turn.
      CHECK(status.duration_ms < 40'000);
    } else {
      CHECK(status.state == PeerState::staged);
      pool.check_staged(name);
      CHECK(fs::exists(pool.collect(name) / "cback.stage"));
    }
  }
  CHECK(pool.status_of(dead).error.find("cannot connect") != std::string::npos);
  CHECK(pool.status_of(hangs).error.find("io_timeout") != std::string::npos);
  CHECK(pool.status_of(refused).error.find("refused") != std::string::npos);
}

TEST_CASE("SIGTERM during a sixty-four-peer stage stops every transfer, leaving only partial "
          "files that a re-run resumes",
          "[stage][ssh][pool]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  // 2.5 MB at 256 KiB/s takes each peer about 10 s, in buffers of 1 MiB
  // (the limit waits after each): every transfer is in flight when the
  // signal comes, whatever the machine's speed.
  pool.stage_keys = fmt::format("max_concurrent_peers = {}\nbandwidth_limit = \"256 KB\"\n"
                                "sftp_requests_in_flight = 4\n",
                                k_pool_size);
  const std::size_t big_size = 2'500'000;
  for (int i = 0; i < k_pool_size; ++i) {
    const auto name = pool_peer(i);
    pool.remote_peer(*sshd, name);
    pool.ready(name, {{"big.tar", random_bytes(big_size, 200 + static_cast<unsigned>(i))}});
    pool.manifest(name, {"big.tar"});
  }
  pool.write_config();
  const pid_t pid = spawn_quiet(pool.command({"stage"}), {std::string("CBACK_TODAY=") + k_tuesday});
  // The signal comes once half of the peers have written their first
  // buffer.
  constexpr std::uintmax_t k_buffer = 1024 * 1024;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (partials_of_at_least(pool, "big.tar", k_buffer) < k_pool_size / 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(partials_of_at_least(pool, "big.tar", k_buffer) >= k_pool_size / 2);
  ::kill(pid, SIGTERM);
  // Generous: the stop reaches every transfer at once; a run that still
  // waited for its peers would take the rest of their 10 s and more.
  const auto [status, ended] = wait_at_most(pid, std::chrono::seconds(20));
  REQUIRE(ended);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 5);

  // Only NAME.partial files, each a prefix of its source; no finished
  // big.tar, and no peer recorded as staged.
  std::map<std::string, std::uintmax_t> had;
  for (int i = 0; i < k_pool_size; ++i) {
    const auto name = pool_peer(i);
    INFO("peer " << name);
    CHECK_FALSE(fs::exists(pool.collect(name) / "cback.stage"));
    for (const auto& entry : fs::directory_iterator(pool.daily() / name)) {
      const auto file = entry.path().filename().string();
      INFO("file " << file);
      if (file == "cback.collect" || file == "cback.manifest") {
        CHECK(read_file(entry.path()) == read_file(pool.collect(name) / file));
        continue;
      }
      REQUIRE(file == "big.tar.partial");
      const auto content = read_file(entry.path());
      CHECK(read_file(pool.collect(name) / "big.tar").starts_with(content));
      had[name] = content.size();
    }
  }
  CHECK(had.size() >= k_pool_size / 2);
  if (const auto record = cback::peer::load_status(pool.daily() / "cback.peers"); record) {
    for (const auto& peer : record->peers) {
      CHECK(peer.state != PeerState::staged);
    }
  }

  pool.stage_keys = fmt::format("max_concurrent_peers = {}\n", k_pool_size);
  RunOptions options;
  options.timeout = std::chrono::seconds(120);
  const auto resumed = pool.stage(k_tuesday, options);
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.exit_code == 0);
  for (int i = 0; i < k_pool_size; ++i) {
    const auto name = pool_peer(i);
    INFO("peer " << name);
    pool.check_staged(name);
    const auto staged = pool.status_of(name);
    CHECK(staged.state == PeerState::staged);
    // A resumed file sends only its rest (and the manifest, when the
    // stopped run had not staged it yet).
    const auto kept = had.contains(name) ? had[name] : 0;
    CHECK(staged.sent >= big_size - kept);
    CHECK(staged.sent <= big_size - kept + fs::file_size(pool.collect(name) / "cback.manifest"));
  }
  CHECK(pool.logged().find("Resuming [big.tar]") != std::string::npos);
}

TEST_CASE("SIGTERM ends a stage at once while a peer is still connecting", "[stage][ssh][pool]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  // The silent peer's connection is accepted by the kernel and never
  // answered: only the stop can end its attempt before connect_timeout.
  const LocalSocket silent(Listening::yes);
  pool.stage_keys = "max_concurrent_peers = 2\nconnect_timeout = 86400\n"
                    "bandwidth_limit = \"256 KB\"\nsftp_requests_in_flight = 4\n";
  const auto& connecting = pool_peer(0);
  const auto& sending = pool_peer(1);
  pool.remote_peer(*sshd, connecting, "", std::to_string(silent.port()));
  pool.remote_peer(*sshd, sending);
  pool.ready(connecting, {{"big.tar", random_bytes(1000, 400)}});
  pool.ready(sending, {{"big.tar", random_bytes(2'500'000, 401)}});
  pool.write_config();
  const pid_t pid = spawn_quiet(pool.command({"stage"}), {std::string("CBACK_TODAY=") + k_tuesday});
  // Once the other peer has written its first buffer, the silent peer is
  // long past the start of its connection attempt.
  const auto sent_a_buffer = [&] {
    std::error_code missing;
    const auto size = fs::file_size(pool.daily() / sending / "big.tar.partial", missing);
    return !missing && size >= 1024 * 1024;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (!sent_a_buffer() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(sent_a_buffer());
  ::kill(pid, SIGTERM);
  const auto [status, ended] = wait_at_most(pid, std::chrono::seconds(20));
  REQUIRE(ended);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 5);
  CHECK_FALSE(fs::exists(pool.daily() / connecting / "big.tar"));
  CHECK_FALSE(fs::exists(pool.daily() / sending / "big.tar"));
  if (const auto record = cback::peer::load_status(pool.daily() / "cback.peers"); record) {
    CHECK(record->peers.empty());
  }
}

TEST_CASE("total_bandwidth_limit holds all peers of a run to one rate, shared evenly",
          "[stage][local][pool]") {
  StagePool pool;
  // Three peers of 3 MiB at 3 MiB/s together: about 3 s, where each alone
  // would take 1 s at that rate. Taking turns a buffer at a time, none of
  // them finishes in the first half. Only lower bounds: a loaded machine
  // makes the run slower, never faster.
  pool.stage_keys = "max_concurrent_peers = 3\ntotal_bandwidth_limit = \"3 MB\"\n";
  const std::size_t size = 3 * 1024 * 1024;
  for (int i = 0; i < 3; ++i) {
    const auto name = pool_peer(i);
    pool.local_peer(name);
    pool.ready(name, {{"big.tar", random_bytes(size, 300 + static_cast<unsigned>(i))}});
  }
  const auto start = std::chrono::steady_clock::now();
  const auto result = pool.stage();
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(took >= std::chrono::seconds(2));
  for (int i = 0; i < 3; ++i) {
    const auto name = pool_peer(i);
    INFO("peer " << name);
    pool.check_staged(name);
    CHECK(pool.status_of(name).sent >= size);
    CHECK(pool.status_of(name).duration_ms >= 1'500);
  }
}

} // namespace cback::test
