// Stage against peers that lie or lay traps, through the real binary: an
// SFTP server that lists names outside the collect dir, impossible sizes
// or a listing without end (tests/hostile_sftp, run as the sftp subsystem
// of a second loopback sshd started here), symlinks planted in a peer's
// staging dir, and a FIFO or a link to /dev/zero as a local manifest.

#include "support/hostile_sshd.hpp"
#include "support/local_socket.hpp"
#include "support/parts.hpp"
#include "support/pool.hpp"
#include "support/text.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;

namespace cback::test {

namespace {

constexpr const char* k_day = "2026-12-01";

/// A master with peers; the test dir also holds `victim/`, where attacks aim.
struct Master : Pool {
  std::string peers;

  Master() { fs::create_directories(dir / "victim"); }

  [[nodiscard]] fs::path collect(const std::string& name) const { return dir / ("peers/" + name); }
  [[nodiscard]] fs::path staged(const std::string& name) const {
    return dir / ("staging/2026/12/01/" + name);
  }

  void local_peer(const std::string& name) {
    fs::create_directories(collect(name));
    dir.write("peers/" + name + "/cback.collect", "");
    peers += fmt::format("[[stage.peer]]\nname = '{}'\ntype = \"local\"\ncollect_dir = '{}'\n\n",
                         name, collect(name).string());
  }

  void remote_peer(const std::string& name, const std::string& user, const std::string& key,
                   const std::string& port, const fs::path& known_hosts) {
    fs::create_directories(collect(name));
    dir.write("peers/" + name + "/cback.collect", "");
    peers += fmt::format("[[stage.peer]]\nname = '{}'\ntype = \"remote\"\ncollect_dir = '{}'\n"
                         "host = \"127.0.0.1\"\nport = {}\nbackup_user = '{}'\n"
                         "identity_file = '{}'\nknown_hosts_file = '{}'\n\n",
                         name, collect(name).string(), port, user, key, known_hosts.string());
  }

  RunResult stage(RunOptions options = {}) {
    configure(toml_head(make_dir("work")) +
              fmt::format("[stage]\nstaging_dir = '{}'\nio_timeout = 20\n\n{}",
                          (dir / "staging").string(), peers));
    options.env.push_back(std::string("CBACK_TODAY=") + k_day);
    return cback({"stage"}, options);
  }

  /// Everything the run said: stdout, stderr and the log file.
  [[nodiscard]] std::string said(const RunResult& result) const {
    return result.out + result.err + logged();
  }
};

std::string with_dir_replaced(std::string text, const fs::path& dir) {
  if (const auto at = text.find("@DIR@"); at != std::string::npos) {
    text.replace(at, 5, dir.string());
  }
  return text;
}

/// A master with one remote peer, "hostile", served by a HostileSshd; in
/// `argument`, @DIR@ stands for the master's test dir.
struct Hostile {
  Master master;
  std::string argument;
  std::optional<HostileSshd> sshd;

  Hostile(const TestSshd& parts, const std::string& mode, const std::string& with_dir)
      : argument(with_dir_replaced(with_dir, master.dir.path())),
        sshd(HostileSshd::start(parts, master.dir / "sshd", mode, argument)) {
    if (sshd) {
      master.remote_peer("hostile", parts.user, parts.key, std::to_string(sshd->port()),
                         sshd->known_hosts());
    }
  }

  /// Runs the stage, bounded by `timeout`, checks that it failed (exit 6)
  /// naming the hostile peer, and returns everything it said.
  std::string stage_failing(std::chrono::seconds timeout = RunOptions{}.timeout) {
    RunOptions options;
    options.timeout = timeout;
    const auto result = master.stage(options);
    auto said = master.said(result);
    INFO(said);
    CHECK(result.exit_code == 6);
    CHECK(contains(said, "peer [hostile]"));
    return said;
  }
};

struct Planted {
  fs::path target;
  std::string content;
  fs::file_time_type mtime;
};

/// A file outside the staging dir and a symlink to it at `link`.
Planted plant(const Master& master, const std::string& target_name, const fs::path& link) {
  Planted planted{master.dir / ("victim/" + target_name), "precious " + target_name, {}};
  master.dir.write("victim/" + target_name, planted.content);
  fs::last_write_time(planted.target, fs::file_time_type::clock::now() - std::chrono::hours(48));
  planted.mtime = fs::last_write_time(planted.target);
  fs::create_directories(link.parent_path());
  fs::create_symlink(planted.target, link);
  return planted;
}

void check_untouched(const Planted& planted) {
  INFO("link target " << planted.target);
  CHECK(read_file(planted.target) == planted.content);
  CHECK(fs::last_write_time(planted.target) == planted.mtime);
}

/// Links at a.tar.partial and at b.tar in the peer's staging dir; after the
/// run both targets are untouched and both names are real staged files.
void check_planted_links(Master& master, const std::string& peer) {
  master.dir.write("peers/" + peer + "/a.tar", "archive a");
  master.dir.write("peers/" + peer + "/b.tar", "archive b");
  const auto partial = plant(master, "partial", master.staged(peer) / "a.tar.partial");
  // Same content as the source: a check that followed the link would
  // take the target for b.tar already staged.
  auto final_link = plant(master, "final", master.staged(peer) / "b.tar");
  final_link.content = "archive b";
  master.dir.write("victim/final", final_link.content);
  fs::last_write_time(final_link.target, final_link.mtime);

  const auto result = master.stage();
  INFO(master.said(result));
  check_untouched(partial);
  check_untouched(final_link);
  CHECK(result.exit_code == 0);
  for (const auto* name : {"a.tar", "b.tar"}) {
    INFO("staged " << name);
    CHECK(fs::is_regular_file(fs::symlink_status(master.staged(peer) / name)));
    CHECK(read_file(master.staged(peer) / name) == read_file(master.collect(peer) / name));
  }
  CHECK_FALSE(fs::exists(fs::symlink_status(master.staged(peer) / "a.tar.partial")));
}

} // namespace

TEST_CASE("An SFTP peer listing names outside its collect dir fails and nothing is written there",
          "[stage][ssh][hostile]") {
  const auto parts = test_sshd();
  CBACK_REQUIRE_PART(parts);
  // Each name aims at victim/<something> of the test's own dir: absolute,
  // climbing out with "..", climbing out behind "." or a subdirectory.
  for (const std::string name :
       {"@DIR@/victim/abs", "../../../../../victim/up", "./../../../../../victim/dot",
        "sub/../../../../../../victim/sub"}) {
    Hostile hostile(*parts, "name", name);
    CBACK_REQUIRE_PART(hostile.sshd);
    const auto listed = hostile.argument;
    INFO("listed name " << listed);
    const auto said = hostile.stage_failing();
    INFO(said);
    CHECK(contains(said, "[" + listed + "]"));
    CHECK(contains(said, "not a plain file name"));
    for (const std::string aimed : {"abs", "up", "dot", "sub"}) {
      CHECK_FALSE(fs::exists(hostile.master.dir / "victim" / aimed));
      CHECK_FALSE(fs::exists(hostile.master.dir / "victim" / (aimed + ".partial")));
    }
  }
}

TEST_CASE("An SFTP peer listing an impossible or enormous size fails before filling the disk",
          "[stage][ssh][hostile]") {
  const auto parts = test_sshd();
  CBACK_REQUIRE_PART(parts);
  // 2^63 does not fit in off_t; 2^62 bytes fit no disk. The server answers
  // every read in full, for ever.
  for (const std::string size : {"9223372036854775808", "4611686018427387904"}) {
    Hostile hostile(*parts, "size", size);
    CBACK_REQUIRE_PART(hostile.sshd);
    INFO("listed size " << size);
    const auto said = hostile.stage_failing(std::chrono::seconds(30));
    INFO(said);
    CHECK(contains(said, "[big.tar]"));
    CHECK(contains(said, size + " bytes"));
    CHECK_FALSE(fs::exists(hostile.master.staged("hostile") / "big.tar"));
    CHECK_FALSE(fs::exists(hostile.master.staged("hostile") / "big.tar.partial"));
  }
}

TEST_CASE("An SFTP peer whose listing never ends or repeats itself fails",
          "[stage][ssh][hostile]") {
  const auto parts = test_sshd();
  CBACK_REQUIRE_PART(parts);
  struct Case {
    const char* mode;
    const char* message;
  };
  for (const auto& c : {Case{"endless", "lists more than 100000 entries"},
                        Case{"repeat", "lists the entry [a.tar] twice"}}) {
    Hostile hostile(*parts, c.mode, "-");
    CBACK_REQUIRE_PART(hostile.sshd);
    INFO("listing " << c.mode);
    const auto said = hostile.stage_failing(std::chrono::seconds(30));
    INFO(said);
    CHECK(contains(said, c.message));
  }
}

TEST_CASE("Symlinks planted in the staging dir of a local peer are replaced, never written through",
          "[stage][local][hostile]") {
  Master master;
  master.local_peer("alpha");
  check_planted_links(master, "alpha");
}

TEST_CASE(
    "Symlinks planted in the staging dir of a remote peer are replaced, never written through",
    "[stage][ssh][hostile]") {
  const auto parts = test_sshd();
  CBACK_REQUIRE_PART(parts);
  Master master;
  master.remote_peer("beta", parts->user, parts->key, parts->port, parts->known_hosts);
  check_planted_links(master, "beta");
}

TEST_CASE("A FIFO or a link to /dev/zero as the manifest of a local peer fails that peer at once",
          "[stage][local][hostile]") {
  struct Case {
    const char* what;
    const char* message;
  };
  for (const auto& c : {Case{"fifo", "is not a regular file"},
                        Case{"zero", "is a symbolic link, not a regular file"}}) {
    INFO("manifest: " << c.what);
    Master master;
    master.local_peer("alpha");
    master.dir.write("peers/alpha/a.tar", "archive a");
    const auto manifest = master.collect("alpha") / "cback.manifest";
    if (std::string(c.what) == "fifo") {
      REQUIRE(::mkfifo(manifest.c_str(), 0644) == 0);
    } else {
      fs::create_symlink("/dev/zero", manifest);
    }
    RunOptions options;
    options.timeout = std::chrono::seconds(20);
    const auto result = master.stage(options);
    const auto said = master.said(result);
    INFO(said);
    CHECK(result.exit_code == 6);
    CHECK(contains(said, "local peer [alpha]"));
    CHECK(contains(said, manifest.string() + "]: it " + c.message));
  }
}

TEST_CASE("A run whose local peers have a FIFO as manifest ends within 2 s of SIGTERM",
          "[stage][local][hostile]") {
  // Three peers, so that two are staged on threads of their own: a signal
  // interrupts a call of the thread it is delivered to, not the others.
  Master master;
  for (const auto* name : {"alpha", "beta", "gamma"}) {
    master.local_peer(name);
    REQUIRE(::mkfifo((master.collect(name) / "cback.manifest").c_str(), 0644) == 0);
  }
  // The signal goes 1 s after the start, to a run that is still going;
  // 2 s after it, a run still there is killed (exit 128 + SIGKILL).
  RunOptions options;
  options.signal = SIGTERM;
  options.signal_after = std::chrono::seconds(1);
  options.timeout = std::chrono::seconds(3);
  const auto result = master.stage(options);
  const auto said = master.said(result);
  INFO(said);
  CHECK(result.exit_code != 128 + SIGKILL);
  // Either the peers failed before the signal came, or the signal ended the run.
  CHECK((result.exit_code == 6 || result.exit_code == 5));
  if (result.exit_code == 6) {
    CHECK(contains(said, "Stage failed for 3 peer(s)"));
  }
}

} // namespace cback::test
