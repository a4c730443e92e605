// Staging several peers (actions::detail::stage_all) over scripted peers:
// the schedule, one peer's failure among others, ignore_failures and a stop
// request. What only a real server shows (SFTP, host keys, io_timeout) is
// in tests/integration/stage_test.cpp.

#include "actions/stage_run.hpp"

#include <cback/core/error.hpp>
#include <cback/peer/status.hpp>

#include "support/fake_peer_source.hpp"
#include "support/run_fixture.hpp"
#include "support/text.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <future>

namespace cback::actions {

namespace fs = std::filesystem;
using peer::PeerState;
using test::contains;
using test::read_file;

namespace {

using Calls = std::vector<std::string>;

// A stage of the peers named, each read through its fake, into a daily dir
// made as run_stage makes it.
struct StageRun {
  test::RunFixture run;
  test::FakePeers fakes;
  detail::StagePlan plan;

  explicit StageRun(const std::vector<std::string>& names, unsigned max_concurrent = 1) {
    plan.date = "2026-12-01";
    plan.daily_dir = run.tmp / "stage/2026/12/01";
    plan.max_concurrent = max_concurrent;
    plan.backend = &run.io.get();
    plan.make_source = fakes.maker();
    for (const auto& name : names) {
      config::Peer peer;
      peer.name = name;
      peer.type = config::PeerType::remote;
      plan.peers.push_back(peer);
      fakes[name];
      fs::create_directories(plan.daily_dir / name);
    }
  }

  detail::StageOutcome stage() { return detail::stage_all(run.context, plan); }

  /// The status record on disk.
  peer::StageStatus record() const {
    auto status = peer::load_status(plan.daily_dir / peer::k_status_file_name);
    REQUIRE(status);
    return *status;
  }

  /// Peer `name`'s line of the record on disk.
  peer::PeerStatus status_of(const std::string& name) const {
    for (const auto& status : record().peers) {
      if (status.peer == name) {
        return status;
      }
    }
    FAIL("no status for peer " << name);
    return {};
  }

  /// A staged file of peer `name`.
  std::string staged(const std::string& name, const std::string& file) const {
    return read_file(plan.daily_dir / name / file);
  }
};

std::vector<std::string> names_of(const std::vector<peer::PeerStatus>& statuses) {
  std::vector<std::string> names;
  for (const auto& status : statuses) {
    names.push_back(status.peer);
  }
  return names;
}

} // namespace

TEST_CASE("Each peer is staged through its source, recorded, and given cback.stage",
          "[stage][actions]") {
  StageRun stage({"alpha", "beta"});
  stage.fakes["alpha"].file("etc.tar", "etc content").file("home.tar", "home").manifest().ready();
  stage.fakes["beta"].file("var.tar", std::string(100'000, 'v')).ready();
  const auto outcome = stage.stage();
  CHECK(outcome.record_error.empty());
  CHECK(names_of(outcome.statuses) == Calls{"alpha", "beta"});
  CHECK(stage.staged("alpha", "etc.tar") == "etc content");
  CHECK(stage.staged("alpha", "home.tar") == "home");
  CHECK(stage.staged("beta", "var.tar") == std::string(100'000, 'v'));
  CHECK(stage.fakes["alpha"].calls() ==
        Calls{"open", "collect_indicator_present", "read_small cback.manifest", "list",
              "pull cback.collect from 0", "pull cback.manifest from 0", "pull etc.tar from 0",
              "pull home.tar from 0", "write_stage_indicator"});
  const auto record = stage.record();
  CHECK(record.date == "2026-12-01");
  CHECK(record.peers == outcome.statuses);
  const auto beta = stage.status_of("beta");
  CHECK(beta.state == PeerState::staged);
  CHECK(beta.files == 2); // var.tar and cback.collect
  CHECK(beta.bytes == 100'000);
  CHECK(beta.sent == 100'000);
  CHECK(beta.error.empty());
}

TEST_CASE("Peers are staged max_concurrent at a time, in plan order", "[stage][actions]") {
  StageRun stage({"p1", "p2", "p3", "p4"}, 2);
  test::PullGate gate;
  for (const auto* name : {"p1", "p2", "p3", "p4"}) {
    stage.fakes[name].file("a.tar", name).ready().hold_pull("a.tar", gate);
  }
  auto run = std::async(std::launch::async, [&] { return stage.stage(); });
  // Two peers hold both threads; the next ones wait for a thread, unopened.
  const bool both_waiting = gate.wait_for_waiting(2);
  CHECK(both_waiting);
  CHECK(stage.fakes["p1"].asked("pull a.tar from 0"));
  CHECK(stage.fakes["p2"].asked("pull a.tar from 0"));
  CHECK(stage.fakes["p3"].calls().empty());
  CHECK(stage.fakes["p4"].calls().empty());
  gate.open();
  const auto outcome = run.get();
  CHECK(names_of(outcome.statuses) == Calls{"p1", "p2", "p3", "p4"});
  for (const auto* name : {"p1", "p2", "p3", "p4"}) {
    CHECK(stage.status_of(name).state == PeerState::staged);
    CHECK(stage.staged(name, "a.tar") == name);
  }
}

TEST_CASE("A peer that fails does not stop the others, and the record says why",
          "[stage][actions]") {
  StageRun stage({"down", "cut", "fine"}, 2);
  stage.fakes["down"].ready().fail_open("cannot connect to down:22: Connection refused");
  stage.fakes["cut"]
      .file("a.tar", "first")
      .file("b.tar", std::string(200'000, 'b'))
      .ready()
      .fail_pull("b.tar", 70'000, "Connection reset by peer");
  stage.fakes["fine"].file("a.tar", "fine").ready();
  const auto outcome = stage.stage();
  CHECK(names_of(outcome.statuses) == Calls{"down", "cut", "fine"});
  CHECK(outcome.record_error.empty());

  const auto down = stage.status_of("down");
  CHECK(down.state == PeerState::failed);
  CHECK(contains(down.error, "peer [down] (fake): cannot connect to down:22"));
  CHECK(down.files == 0);
  CHECK(stage.fakes["down"].calls() == Calls{"open"});

  // The file before the failure stays staged and counted; the one cut
  // short never gets its name.
  const auto cut = stage.status_of("cut");
  CHECK(cut.state == PeerState::failed);
  CHECK(contains(cut.error, "reading [b.tar]: Connection reset by peer"));
  CHECK(cut.files == 1);
  CHECK(cut.bytes == 5);
  CHECK(cut.sent == 5 + 70'000);
  CHECK(stage.staged("cut", "a.tar") == "first");
  CHECK_FALSE(fs::exists(stage.plan.daily_dir / "cut" / "b.tar"));
  CHECK_FALSE(stage.fakes["cut"].stage_indicator_written());
  CHECK(stage.fakes["cut"].pulled() == Calls{"a.tar", "b.tar"});

  CHECK(stage.status_of("fine").state == PeerState::staged);
  CHECK(stage.staged("fine", "a.tar") == "fine");
  CHECK(stage.fakes["fine"].stage_indicator_written());
  CHECK(contains(stage.run.logged(), "[ERROR  ] Error staging [cut]: "));
}

TEST_CASE("A peer that is not ready is skipped or fails as its ignore_failures mode says",
          "[stage][actions]") {
  using config::IgnoreFailures;
  struct Case {
    std::optional<IgnoreFailures> mode;
    bool full_or_start_of_week;
    bool ignored;
  };
  const auto c = GENERATE(values<Case>({
      {std::nullopt, true, false},
      {IgnoreFailures::none, false, false},
      {IgnoreFailures::all, false, true},
      {IgnoreFailures::all, true, true},
      {IgnoreFailures::daily, false, true},
      {IgnoreFailures::daily, true, false},
      {IgnoreFailures::weekly, false, false},
      {IgnoreFailures::weekly, true, true},
  }));
  INFO("mode " << (c.mode ? static_cast<int>(*c.mode) : -1) << ", start of week or full "
               << c.full_or_start_of_week);
  StageRun stage({"lazy", "ready"});
  stage.plan.peers[0].ignore_failures = c.mode;
  stage.plan.full_or_start_of_week = c.full_or_start_of_week;
  stage.fakes["lazy"].file("a.tar", "not collected yet");
  stage.fakes["ready"].file("a.tar", "a").ready();
  stage.stage();

  const auto lazy = stage.status_of("lazy");
  CHECK(lazy.state == (c.ignored ? PeerState::skipped : PeerState::not_ready));
  CHECK(lazy.error == "Peer [lazy] was not ready to be staged.");
  CHECK(lazy.files == 0);
  // Nothing is listed, pulled or marked staged on a peer that is not ready.
  CHECK(stage.fakes["lazy"].calls() == Calls{"open", "collect_indicator_present"});
  CHECK(fs::is_empty(stage.plan.daily_dir / "lazy"));
  CHECK(contains(stage.run.logged(), fmt::format("[{}] Peer [lazy] was not ready to be staged.",
                                                 c.ignored ? "INFO   " : "ERROR  ")));
  CHECK(stage.status_of("ready").state == PeerState::staged);
}

TEST_CASE("A stop request while transfers are blocked ends the run at once, recording only "
          "the peers that finished",
          "[stage][actions]") {
  StageRun stage({"quick", "stuck1", "stuck2", "stuck3", "queued"}, 3);
  // An earlier run's record that claims every peer: it must not survive.
  peer::StageStatus earlier{"2026-12-01", {}};
  for (const auto& peer : stage.plan.peers) {
    earlier.peers.push_back({peer.name, PeerState::staged, 1, 1, 1, 1, ""});
  }
  peer::write_status(stage.plan.daily_dir / peer::k_status_file_name, earlier);

  test::PullGate gate(&stage.run.stop);
  stage.fakes["quick"].file("a.tar", "quick").ready();
  for (const auto* name : {"stuck1", "stuck2", "stuck3", "queued"}) {
    stage.fakes[name].file("a.tar", name).ready().hold_pull("a.tar", gate);
  }
  auto run = std::async(std::launch::async, [&] { return stage.stage(); });
  // quick is done and its thread has taken stuck3: every thread is held.
  REQUIRE(gate.wait_for_waiting(3));
  stage.run.stop.request();
  REQUIRE(run.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  try {
    run.get();
    FAIL("the run ended without an error");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::interrupted);
  }
  // Interrupted peers are not recorded (absent: not staged by this run);
  // the peer still queued is never opened.
  CHECK(names_of(stage.record().peers) == Calls{"quick"});
  CHECK(stage.status_of("quick").state == PeerState::staged);
  for (const auto* name : {"stuck1", "stuck2", "stuck3"}) {
    CHECK(stage.fakes[name].pulled() == Calls{"a.tar"});
    CHECK_FALSE(stage.fakes[name].stage_indicator_written());
    CHECK_FALSE(fs::exists(stage.plan.daily_dir / name / "a.tar"));
  }
  CHECK(stage.fakes["queued"].calls().empty());
}

} // namespace cback::actions
