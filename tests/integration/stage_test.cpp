// The stage action through the real binary: local peers on disk and remote
// peers over the loopback sshd started by tools/servers.sh (several peer
// names pointing at the one sshd, each with its own collect dir).

#include <cback/collect/content_index.hpp>
#include <cback/collect/manifest.hpp>
#include <cback/core/digest.hpp>

#include "support/known_hosts.hpp"
#include "support/local_socket.hpp"
#include "support/random_bytes.hpp"
#include "support/screen.hpp"
#include "support/stage_pool.hpp"

#include <sys/wait.h>

#include <algorithm>

#include <csignal>
#include <optional>

using cback::peer::PeerState;

namespace cback::test {

TEST_CASE("Local peers are staged into the daily dir with their indicators", "[stage][local]") {
  StagePool pool;
  pool.local_peer("alpha");
  pool.local_peer("beta");
  pool.ready("alpha", {{"etc.tar.gz", random_bytes(100'000, 1)}, {".dot", "d"}});
  pool.ready("beta", {{"home.tar", "home"}});
  pool.manifest("alpha", {"etc.tar.gz"});
  const auto result = pool.stage();
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  pool.check_staged("alpha");
  pool.check_staged("beta");
  CHECK(fs::exists(pool.daily() / "cback.stage"));
  CHECK(fs::exists(pool.collect("alpha") / "cback.stage"));
  const auto alpha = pool.status_of("alpha");
  CHECK(alpha.state == PeerState::staged);
  CHECK(alpha.files == 4);
  CHECK(alpha.error.empty());
}

TEST_CASE("On a terminal each peer in flight has one line, redrawn in place", "[stage][local]") {
  StagePool pool;
  pool.local_peer("alpha");
  pool.ready("alpha", {{"etc.tar", random_bytes(3'000'000, 2)}});
  pool.write_config();
  RunOptions options;
  options.env.push_back(std::string("CBACK_TODAY=") + k_tuesday);
  const auto result = run_on_terminal(pool.command({"stage"}), options);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  pool.check_staged("alpha");
  // The peer's line names the file and is cleared in place (erase to end of
  // line), not printed again as new lines; once the peer is done it is gone.
  CHECK(result.out.find("alpha: ") != std::string::npos);
  CHECK(result.out.find("etc.tar ") != std::string::npos);
  CHECK(result.out.find("\x1b[K") != std::string::npos);
  for (const auto& line : screen_of(result.out)) {
    CHECK_FALSE(line.starts_with("alpha: "));
  }
}

TEST_CASE("A failed peer makes stage exit 6 naming it, and the others are staged",
          "[stage][local]") {
  StagePool pool;
  pool.local_peer("good");
  pool.local_peer("lazy");
  pool.ready("good", {{"a.tar", "a"}});
  const auto result = pool.stage();
  CHECK(result.exit_code == 6);
  CHECK(result.out.find("Stage failed for 1 peer(s): [lazy]") != std::string::npos);
  pool.check_staged("good");
  CHECK(fs::exists(pool.daily() / "lazy"));
  CHECK(fs::exists(pool.daily() / "cback.stage"));
  CHECK(pool.status_of("good").state == PeerState::staged);
  CHECK(pool.status_of("lazy").state == PeerState::not_ready);
  CHECK_FALSE(fs::exists(pool.collect("lazy") / "cback.stage"));
}

TEST_CASE("A peer that is not ready is a failure unless its ignore_failures mode covers the day",
          "[stage][local]") {
  struct Case {
    const char* mode;
    const char* day;
    bool ignored;
  };
  const std::vector<Case> cases{
      {"none", k_tuesday, false},   {"none", k_monday, false},  {"all", k_tuesday, true},
      {"all", k_monday, true},      {"daily", k_tuesday, true}, {"daily", k_monday, false},
      {"weekly", k_tuesday, false}, {"weekly", k_monday, true},
  };
  for (const auto& c : cases) {
    INFO("ignore_failures = " << c.mode << " on " << c.day);
    StagePool pool;
    pool.local_peer("lazy", fmt::format("ignore_failures = \"{}\"", c.mode));
    const auto result = pool.stage(c.day);
    CHECK(result.exit_code == (c.ignored ? 0 : 6));
    CHECK(pool.status_of("lazy", c.day).state ==
          (c.ignored ? PeerState::skipped : PeerState::not_ready));
    CHECK(read_file(pool.dir / "cback.log").find("Peer [lazy] was not ready to be staged.") !=
          std::string::npos);
  }
}

TEST_CASE("A same-day re-run stages nothing twice and succeeds", "[stage][local]") {
  StagePool pool;
  pool.local_peer("alpha");
  pool.ready("alpha", {{"a.tar", random_bytes(50'000, 2)}, {"b.tar", "b"}});
  pool.manifest("alpha", {"a.tar"});
  REQUIRE(pool.stage().exit_code == 0);
  const auto again = pool.stage();
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(pool.status_of("alpha").sent == 0);
  CHECK(pool.status_of("alpha").files == 5); // a.tar b.tar cback.collect .manifest .stage
  pool.check_staged("alpha");
}

TEST_CASE("A local peer whose collect dir holds a directory fails", "[stage][local]") {
  StagePool pool;
  pool.local_peer("alpha");
  pool.ready("alpha", {{"a.tar", "a"}});
  fs::create_directories(pool.collect("alpha") / "sub");
  const auto result = pool.stage();
  CHECK(result.exit_code == 6);
  CHECK(pool.status_of("alpha").error.find("is not a regular file") != std::string::npos);
  CHECK(pool.status_of("alpha").state == PeerState::failed);
}

TEST_CASE("A collect dir written by the original cback3 collect is staged", "[stage][local][ssh]") {
  CBACK_REQUIRE_PART(cback::test::program_available("cback3"));
  StagePool pool;
  pool.dir.write("src/a.txt", "hello");
  pool.dir.write("src/b c.txt", random_bytes(10'000, 3));
  fs::create_directories(pool.dir / "work3");
  const auto config =
      pool.dir.write("cback3.conf", cback3_collect_config(pool.dir / "work3", pool.collect("old"),
                                                          "daily", "targz", pool.dir / "src"));
  fs::create_directories(pool.collect("old"));
  const auto collected =
      run(cback_command(config, pool.dir / "cback3.log", {"collect"}, "/usr/bin/cback3"));
  INFO(collected.out << collected.err);
  REQUIRE(collected.exit_code == 0);
  REQUIRE(fs::exists(pool.collect("old") / "cback.collect"));
  pool.local_peer("old");
  const auto sshd = test_sshd();
  if (sshd) {
    pool.remote_view(*sshd, "old-remote", "old");
  }
  const auto result = pool.stage();
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  pool.check_staged("old");
  if (sshd) {
    for (const auto& entry : fs::directory_iterator(pool.collect("old"))) {
      const auto name = entry.path().filename().string();
      if (name != "cback.stage") {
        CHECK(read_file(pool.daily() / "old-remote" / name) == read_file(entry.path()));
      }
    }
  }
}

TEST_CASE("Archives and content indexes collected by cback agree with the manifest once staged",
          "[stage][local][ssh][index]") {
  StagePool pool;
  pool.dir.write("src/a.txt", "hello");
  pool.dir.write("src/sub/b.bin", random_bytes(300'000, 5));
  fs::create_directories(pool.collect("fresh"));
  const auto config = pool.dir.write(
      "collect.toml", toml_head(pool.dir / "work-collect") +
                          collect_table(pool.collect("fresh"),
                                        dir_item(pool.dir / "src", "daily", "tarzst") +
                                            dir_item(pool.dir / "src/sub", "daily", "targz")));
  fs::create_directories(pool.dir / "work-collect");
  RunOptions today;
  today.env.push_back("CBACK_TODAY=" + std::string(k_tuesday));
  const auto collected = run(cback_command(config, pool.dir / "collect.log", {"collect"}), today);
  INFO(collected.out << collected.err);
  REQUIRE(collected.exit_code == 0);
  pool.local_peer("fresh");
  const auto sshd = test_sshd();
  if (sshd) {
    pool.remote_view(*sshd, "fresh-remote", "fresh");
  }
  const auto result = pool.stage();
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  pool.check_staged("fresh");
  for (const std::string peer : {"fresh", "fresh-remote"}) {
    if (peer == "fresh-remote" && !sshd) {
      continue;
    }
    INFO("peer " << peer);
    const auto staged = pool.daily() / peer;
    const auto manifest = cback::collect::load_manifest(staged / "cback.manifest");
    REQUIRE(manifest.has_value());
    REQUIRE(manifest->archives.size() == 2);
    REQUIRE(manifest->indexes.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
      const auto& listed = manifest->indexes[i];
      CHECK(listed.name == manifest->archives[i].name + ".index");
      const auto bytes = read_file(staged / listed.name);
      CHECK(bytes.size() == listed.size);
      CHECK(cback::core::sha256(bytes) == listed.sha256);
      const auto index = cback::collect::load_content_index(staged / listed.name);
      REQUIRE(index.has_value());
      CHECK(index->archive == manifest->archives[i].name);
      const auto tar = run({"/usr/bin/tar", "-tf", (staged / index->archive).string()});
      REQUIRE(tar.exit_code == 0);
      CHECK(static_cast<std::size_t>(std::count(tar.out.begin(), tar.out.end(), '\n')) ==
            index->entries.size());
    }
  }
}

TEST_CASE("Several remote peers are staged at once over SFTP and a re-run sends nothing again",
          "[stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  pool.stage_keys = "max_concurrent_peers = 3\nsftp_requests_in_flight = 8\n";
  for (int i = 0; i < 4; ++i) {
    const auto name = fmt::format("peer{}", i);
    pool.remote_peer(*sshd, name);
    pool.ready(name, {{"big.tar", random_bytes(1'500'000 + static_cast<std::size_t>(i), 10 + i)},
                      {"small.txt", "small"},
                      {"empty", ""}});
    pool.manifest(name, {"big.tar"});
  }
  const auto result = pool.stage();
  INFO(result.out << result.err << read_file(pool.dir / "cback.log"));
  REQUIRE(result.exit_code == 0);
  for (int i = 0; i < 4; ++i) {
    const auto name = fmt::format("peer{}", i);
    pool.check_staged(name);
    CHECK(fs::exists(pool.collect(name) / "cback.stage"));
    CHECK(pool.status_of(name).state == PeerState::staged);
  }
  // The same day again: nothing is sent twice (cback.stage, new on the
  // peers, is empty).
  const auto again = pool.stage();
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  for (int i = 0; i < 4; ++i) {
    const auto name = fmt::format("peer{}", i);
    CHECK(pool.status_of(name).sent == 0);
    CHECK(pool.status_of(name).files == 6); // 3 files, cback.collect, .manifest, .stage
    pool.check_staged(name);
  }
}

TEST_CASE("Remote peers are taken slowest first by the day before's record, and the log names "
          "the peer that bounded the day",
          "[stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  pool.stage_keys = "max_concurrent_peers = 1\n";
  pool.local_peer("here");
  pool.ready("here", {{"here.tar", "h"}});
  for (const auto* name : {"quick", "slow", "fresh"}) {
    pool.remote_peer(*sshd, name);
    pool.ready(name, {{"data.tar", random_bytes(200'000, 7)}});
  }
  fs::create_directories(pool.daily(k_monday));
  cback::peer::write_status(pool.daily(k_monday) / "cback.peers",
                            {k_monday,
                             {{"quick", PeerState::staged, 2, 1000, 1000, 800, ""},
                              {"slow", PeerState::staged, 2, 1000, 1000, 60000, ""}}});
  const auto result = pool.stage();
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  // The record lists the peers in the order they were taken: the local
  // peer, the one without history, then the slowest.
  const auto record = cback::peer::load_status(pool.daily() / "cback.peers");
  REQUIRE(record);
  std::vector<std::string> order;
  for (const auto& status : record->peers) {
    order.push_back(status.peer);
  }
  CHECK(order == std::vector<std::string>{"here", "fresh", "slow", "quick"});
  // One at a time, the last one taken finished last.
  CHECK(read_file(pool.dir / "cback.log").find("Peer [quick] bounded the day: it finished last") !=
        std::string::npos);
}

TEST_CASE("Remote file names with spaces and odd bytes are staged unchanged (SSH compression on)",
          "[stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  pool.stage_keys = "ssh_compression = true\n";
  pool.remote_peer(*sshd, "odd");
  pool.ready("odd", {{"with space.tar", "s"},
                     {"quote'\"$(x).tar", "q"},
                     {"bytes\x01\x7f\xfe.tar", "b"},
                     {"new\nline", "n"},
                     {"ünïcode", "u"}});
  const auto result = pool.stage();
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  pool.check_staged("odd");
}

TEST_CASE("A remote peer that is not ready follows ignore_failures", "[stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  pool.remote_peer(*sshd, "strict");
  pool.remote_peer(*sshd, "lenient", "ignore_failures = \"all\"");
  const auto result = pool.stage();
  CHECK(result.exit_code == 6);
  CHECK(result.out.find("Stage failed for 1 peer(s): [strict]") != std::string::npos);
  CHECK(pool.status_of("strict").state == PeerState::not_ready);
  CHECK(pool.status_of("lenient").state == PeerState::skipped);
}

TEST_CASE("Unreachable hosts, refused keys and unknown or changed host keys fail only their peer",
          "[stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  pool.dir.write("empty_known_hosts", "");
  changed_known_hosts(pool.dir, *sshd);
  pool.remote_peer(*sshd, "good");
  pool.remote_peer(*sshd, "down", "", std::to_string(free_port()));
  pool.remote_peer(*sshd, "refused", fmt::format("identity_file = '{}'", sshd->other_key));
  pool.remote_peer(
      *sshd, "unknown",
      fmt::format("known_hosts_file = '{}'", (pool.dir / "empty_known_hosts").string()));
  pool.remote_peer(
      *sshd, "changed",
      fmt::format("known_hosts_file = '{}'", (pool.dir / "changed_known_hosts").string()));
  for (const auto* name : {"good", "down", "refused", "unknown", "changed"}) {
    pool.ready(name, {{"a.tar", "a"}});
  }
  const auto result = pool.stage();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 6);
  pool.check_staged("good");
  CHECK(pool.status_of("good").state == PeerState::staged);
  for (const auto* name : {"down", "refused", "unknown", "changed"}) {
    INFO(name);
    CHECK(pool.status_of(name).state == PeerState::failed);
    CHECK(result.out.find(fmt::format("Error staging [{}]", name)) != std::string::npos);
    CHECK_FALSE(fs::exists(pool.daily() / name / "a.tar"));
  }
  CHECK(pool.status_of("unknown").error.find("unknown") != std::string::npos);
  CHECK(pool.status_of("changed").error.find("CHANGED") != std::string::npos);
  CHECK(pool.status_of("refused").error.find("refused") != std::string::npos);
}

TEST_CASE("With accept_new_host_keys an unknown host key is added and the peer staged",
          "[stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  pool.stage_keys = "accept_new_host_keys = true\n";
  pool.dir.write("known_hosts", "");
  pool.remote_peer(*sshd, "new",
                   fmt::format("known_hosts_file = '{}'", (pool.dir / "known_hosts").string()));
  pool.ready("new", {{"a.tar", "a"}});
  const auto result = pool.stage();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  pool.check_staged("new");
  CHECK(read_file(pool.dir / "known_hosts").find("127.0.0.1") != std::string::npos);
}

TEST_CASE("A remote file that does not match the manifest fails the peer", "[stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  pool.remote_peer(*sshd, "tampered");
  pool.ready("tampered", {{"a-good.tar", "good"}, {"bad.tar", "original"}});
  pool.manifest("tampered", {"a-good.tar", "bad.tar"});
  pool.dir.write("peers/tampered/bad.tar", "altered!");
  const auto result = pool.stage();
  CHECK(result.exit_code == 6);
  const auto status = pool.status_of("tampered");
  CHECK(status.state == PeerState::failed);
  CHECK(status.error.find("checksum mismatch for [bad.tar]") != std::string::npos);
  CHECK(status.files == 1); // a-good.tar, staged before bad.tar failed
  CHECK(read_file(pool.daily() / "tampered" / "a-good.tar") == "good");
  CHECK_FALSE(fs::exists(pool.daily() / "tampered" / "bad.tar"));
  CHECK_FALSE(fs::exists(pool.daily() / "tampered" / "bad.tar.partial"));
  CHECK_FALSE(fs::exists(pool.collect("tampered") / "cback.stage"));
}

/// Runs `cback stage` in the background and kills it with SIGKILL once
/// `partial` holds at least `min_bytes`: killed mid-file at a point that
/// does not depend on the machine's speed. Returns the wait status.
int stage_killed_mid_file(StagePool& pool, const fs::path& partial, std::uintmax_t min_bytes) {
  pool.write_config();
  const pid_t pid = spawn_quiet(pool.command({"stage"}), {std::string("CBACK_TODAY=") + k_tuesday});
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return status; // ended before the kill: the caller's checks fail
    }
    std::error_code ignored;
    const auto size = fs::file_size(partial, ignored);
    if ((!ignored && size >= min_bytes) || std::chrono::steady_clock::now() > deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return status;
}

TEST_CASE("A remote stage killed mid-file resumes without sending finished bytes again",
          "[stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  const std::size_t big_size = 6 * 1024 * 1024;
  const auto big = random_bytes(big_size, 7);
  pool.remote_peer(*sshd, "slow");
  pool.ready("slow", {{"a-small.tar", "small"}, {"b-big.tar", big}});
  pool.manifest("slow", {"a-small.tar", "b-big.tar"});
  // 2 MiB/s makes the big file take about 3 s; the kill comes once 1 MiB
  // of it is on disk.
  pool.stage_keys = "bandwidth_limit = \"2 MB\"\nsftp_requests_in_flight = 4\n";
  const auto partial = pool.daily() / "slow" / "b-big.tar.partial";
  const int killed = stage_killed_mid_file(pool, partial, 1024 * 1024);
  REQUIRE(WIFSIGNALED(killed));
  REQUIRE(WTERMSIG(killed) == SIGKILL);
  REQUIRE(fs::exists(partial));
  REQUIRE(fs::exists(pool.daily() / "slow" / "a-small.tar"));
  CHECK_FALSE(fs::exists(pool.daily() / "slow" / "b-big.tar"));
  const auto had = fs::file_size(partial);
  CHECK(had >= 1024 * 1024);
  CHECK(had < big_size);

  pool.stage_keys.clear();
  const auto resumed = pool.stage();
  INFO(resumed.out << resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK(read_file(pool.daily() / "slow" / "b-big.tar") == big);
  // The rest of the big file, and the two files the killed run never reached.
  CHECK(pool.status_of("slow").sent ==
        big_size - had + fs::file_size(pool.collect("slow") / "cback.manifest"));
  CHECK(read_file(pool.dir / "cback.log").find("Resuming [b-big.tar]") != std::string::npos);
  pool.check_staged("slow");
}

TEST_CASE("The command transport stages a remote peer with the configured rcp_command",
          "[stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd && cback::test::program_available("scp"));
  StagePool pool;
  pool.stage_keys = "transport = \"command\"\n";
  const auto rcp = fmt::format("/usr/bin/scp -B -q -P {} -i {} -o IdentitiesOnly=yes "
                               "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes",
                               sshd->port, sshd->key, sshd->known_hosts);
  pool.remote_peer(*sshd, "scp", fmt::format("rcp_command = '{}'", rcp));
  pool.remote_peer(*sshd, "scp-lazy", fmt::format("rcp_command = '{}'", rcp));
  pool.ready("scp", {{"big.tar", random_bytes(700'000, 8)}, {"with space.txt", "s"}});
  pool.manifest("scp", {"big.tar"});
  const auto result = pool.stage();
  INFO(result.out << result.err << read_file(pool.dir / "cback.log"));
  CHECK(result.exit_code == 6);
  CHECK(result.out.find("Stage failed for 1 peer(s): [scp-lazy]") != std::string::npos);
  pool.check_staged("scp");
  CHECK(fs::exists(pool.collect("scp") / "cback.stage"));
  CHECK(pool.status_of("scp").state == PeerState::staged);
  CHECK(pool.status_of("scp-lazy").state == PeerState::not_ready);
  // The scratch copies in working_dir are gone.
  for (const auto& entry : fs::directory_iterator(pool.dir / "work")) {
    CHECK_FALSE(entry.path().filename().string().starts_with("cback-stage-"));
  }
}

TEST_CASE("A collect dir written by cback collect is staged by the original cback3 with scp",
          "[stage][ssh]") {
  const auto sshd = test_sshd();
  if (!sshd || !cback::test::program_available("cback3") ||
      !cback::test::program_available("scp")) {
    return;
  }
  StagePool pool;
  pool.dir.write("src/a.txt", "hello");
  pool.dir.write("src/b c.bin", random_bytes(50'000, 9));
  fs::create_directories(pool.collect("client"));
  const auto client = pool.dir.write(
      "client.toml",
      options_table(pool.make_dir("work")) +
          collect_table(pool.collect("client"), dir_item(pool.dir / "src", "daily", "targz")));
  const auto collected = run(cback_command(client, pool.dir / "client.log", {"collect"}));
  INFO(collected.out << collected.err);
  REQUIRE(collected.exit_code == 0);

  fs::create_directories(pool.dir / "work3");
  const std::string rcp_command =
      fmt::format("/usr/bin/scp -B -q -P {} -i {} -o IdentitiesOnly=yes -o UserKnownHostsFile={} "
                  "-o StrictHostKeyChecking=yes",
                  sshd->port, sshd->key, sshd->known_hosts);
  const auto master = pool.dir.write(
      "master3.conf",
      "<?xml version=\"1.0\"?>\n<cb_config>\n" + options_element(pool.dir / "work3", rcp_command) +
          fmt::format(R"(  <stage>
    <staging_dir>{}</staging_dir>
    <peer><name>127.0.0.1</name><type>remote</type><collect_dir>{}</collect_dir></peer>
  </stage>
</cb_config>
)",
                      (pool.dir / "staging3").string(), pool.collect("client").string()));
  const auto staged =
      run(cback_command(master, pool.dir / "cback3.log", {"stage"}, "/usr/bin/cback3"));
  INFO(staged.out << staged.err << read_file(pool.dir / "cback3.log"));
  REQUIRE(staged.exit_code == 0);
  CHECK(read_file(pool.dir / "cback3.log").find("ERROR") == std::string::npos);
  // cback3 stages into today's real date.
  std::size_t compared = 0;
  for (const auto& entry : fs::recursive_directory_iterator(pool.dir / "staging3")) {
    if (entry.is_regular_file() && entry.path().parent_path().filename() == "127.0.0.1") {
      const auto name = entry.path().filename();
      CHECK(read_file(entry.path()) == read_file(pool.collect("client") / name));
      ++compared;
    }
  }
  CHECK(compared >= 3); // the archive, cback.manifest, cback.collect
}

TEST_CASE("A peer that stops answering mid-transfer fails after io_timeout and the others finish",
          "[stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  const StallingRelay relay(std::stoi(sshd->port), 1024 * 1024);
  const auto host_pub = read_file(sshd->host_pub);
  pool.dir.write("relay_known_hosts", fmt::format("[127.0.0.1]:{} {}\n", relay.port(),
                                                  host_pub.substr(0, host_pub.rfind(' '))));
  pool.stage_keys = "io_timeout = 3\n";
  pool.remote_peer(
      *sshd, "hangs",
      fmt::format("known_hosts_file = '{}'", (pool.dir / "relay_known_hosts").string()),
      std::to_string(relay.port()));
  pool.remote_peer(*sshd, "fine");
  pool.ready("hangs", {{"big.tar", random_bytes(8'000'000, 11)}});
  pool.ready("fine", {{"big.tar", random_bytes(3'000'000, 12)}});
  RunOptions options;
  options.timeout = std::chrono::seconds(60);
  const auto result = pool.stage(k_tuesday, options);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 6);
  pool.check_staged("fine");
  const auto hangs = pool.status_of("hangs");
  CHECK(hangs.state == PeerState::failed);
  CHECK(hangs.error.find("io_timeout") != std::string::npos);
  CHECK_FALSE(fs::exists(pool.daily() / "hangs" / "big.tar"));
}

} // namespace cback::test
