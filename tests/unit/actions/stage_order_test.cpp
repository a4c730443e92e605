// The order in which stage takes its peers (actions/stage_order.hpp): what
// earlier days' status records say of each peer, the order made of it, a
// staging dir whose records are planted or broken, and scripted peers
// taken in that order; the peer that bounded the day.

#include <cback/actions/stage_order.hpp>
#include <cback/actions/staging_layout.hpp>
#include <cback/peer/status.hpp>

#include "actions/stage_run.hpp"

#include "support/fake_peer_source.hpp"
#include "support/run_fixture.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <mutex>
#include <thread>

namespace cback::actions {

namespace fs = std::filesystem;
using peer::PeerState;
using Names = std::vector<std::string>;

namespace {

constexpr std::chrono::year_month_day k_today{std::chrono::year{2026}, std::chrono::December,
                                              std::chrono::day{10}};

std::chrono::year_month_day days_before(int days) {
  return std::chrono::year_month_day{std::chrono::sys_days{k_today} - std::chrono::days{days}};
}

config::Peer peer_named(const std::string& name, config::PeerType type = config::PeerType::remote) {
  config::Peer peer;
  peer.name = name;
  peer.type = type;
  return peer;
}

peer::PeerStatus staged(const std::string& name, std::uint64_t ms, std::uint64_t bytes = 1000,
                        std::uint64_t sent = 1000) {
  return {name, PeerState::staged, 2, bytes, sent, ms, ""};
}

Names names_of(const std::vector<config::Peer>& peers) {
  Names names;
  for (const auto& peer : peers) {
    names.push_back(peer.name);
  }
  return names;
}

// A staging dir holding the records of earlier days.
struct Staging {
  test::TempDir tmp;
  fs::path root = tmp / "staging";

  void record(std::chrono::year_month_day day, std::vector<peer::PeerStatus> peers) const {
    const auto dir = daily_dir(root, day);
    fs::create_directories(dir);
    peer::write_status(dir / peer::k_status_file_name, {"-", std::move(peers)});
  }

  [[nodiscard]] ExpectedTimes expected() const { return expected_times(root, k_today); }
};

} // namespace

TEST_CASE("A record tells the time the day's whole data would take at the rate it saw",
          "[stage][order]") {
  CHECK(expected_ms(staged("web", 9000)) == 9000u);
  // Half was sent (the rest resumed): the whole would have taken twice as long.
  CHECK(expected_ms(staged("web", 9000, 2000, 1000)) == 18000u);
  // Nothing to send at all: the time it took is all there is.
  CHECK(expected_ms(staged("web", 40, 0, 0)) == 40u);
  // A re-run that found everything staged tells no rate.
  CHECK_FALSE(expected_ms(staged("web", 40, 1000, 0)));
  for (const auto state : {PeerState::failed, PeerState::not_ready, PeerState::skipped}) {
    auto status = staged("web", 30000);
    status.state = state;
    CHECK_FALSE(expected_ms(status));
  }
}

TEST_CASE("Remote peers without history go first, then the slowest; local peers stay first",
          "[stage][order]") {
  const std::vector<config::Peer> peers{peer_named("l1", config::PeerType::local),
                                        peer_named("l2", config::PeerType::local),
                                        peer_named("fast"),
                                        peer_named("new1"),
                                        peer_named("slow"),
                                        peer_named("mid"),
                                        peer_named("new2"),
                                        peer_named("mid-too")};
  const ExpectedTimes expected{{"fast", 1000},    {"slow", 90000}, {"mid", 5000},
                               {"mid-too", 5000}, {"l1", 1},       {"l2", 9'000'000}};
  CHECK(names_of(order_peers(peers, expected)) ==
        Names{"l1", "l2", "new1", "new2", "slow", "mid", "mid-too", "fast"});
  // With no history at all, configuration order is kept.
  CHECK(names_of(order_peers(peers, {})) ==
        Names{"l1", "l2", "fast", "new1", "slow", "mid", "new2", "mid-too"});
}

TEST_CASE("Each peer's expected time comes from its newest usable record of the days before",
          "[stage][order]") {
  Staging staging;
  staging.record(days_before(1), {staged("web", 2000), staged("db", 500, 1000, 0)});
  staging.record(days_before(3), {staged("web", 7000),
                                  staged("db", 60000),
                                  {"mail", PeerState::failed, 0, 0, 0, 30000, "cannot connect"}});
  staging.record(days_before(k_history_days + 1), {staged("mail", 99000)});
  // Today's record (an earlier run the same day) and a later day's are not history.
  staging.record(k_today, {staged("new", 1)});
  staging.record(days_before(-1), {staged("new", 1)});
  const auto expected = staging.expected();
  // web: yesterday's; db: yesterday's re-run told no rate, so three days
  // back; mail: only a failure within the window; new: nothing before today.
  CHECK(expected == ExpectedTimes{{"web", 2000}, {"db", 60000}});
}

TEST_CASE("Records that are broken, planted or not files are passed over", "[stage][order]") {
  Staging staging;
  staging.record(days_before(5), {staged("web", 4000)});
  // Yesterday: not a record; two days back: a FIFO (reading it would
  // block); three days back: a link to a record elsewhere; four days back:
  // the day's directory is a link.
  staging.tmp.write("staging/2026/12/09/cback.peers", "cback-stage-status 1 2026-12-09\npeer x\n");
  fs::create_directories(staging.root / "2026/12/08");
  REQUIRE(::mkfifo((staging.root / "2026/12/08/cback.peers").c_str(), 0600) == 0);
  staging.tmp.write("elsewhere/cback.peers",
                    peer::encode_status({"-", {staged("web", 1), staged("db", 1)}}));
  fs::create_directories(staging.root / "2026/12/07");
  fs::create_symlink(staging.tmp / "elsewhere/cback.peers",
                     staging.root / "2026/12/07/cback.peers");
  fs::create_directory_symlink(staging.tmp / "elsewhere", staging.root / "2026/12/06");
  CHECK(staging.expected() == ExpectedTimes{{"web", 4000}});
  // No staging dir yet: no history.
  CHECK(expected_times(staging.tmp / "missing", k_today).empty());
}

TEST_CASE("Stage takes scripted peers in the order their records give", "[stage][order]") {
  test::RunFixture run;
  Staging staging;
  staging.record(days_before(1), {staged("quick", 100), staged("slow", 50000), staged("mid", 900)});
  test::FakePeers fakes;
  detail::StagePlan plan;
  plan.date = "2026-12-10";
  plan.daily_dir = daily_dir(staging.root, k_today);
  plan.backend = &run.io.get();
  plan.max_concurrent = 1;
  const std::vector<config::Peer> configured{peer_named("local", config::PeerType::local),
                                             peer_named("quick"), peer_named("mid"),
                                             peer_named("fresh"), peer_named("slow")};
  plan.peers = order_peers(configured, staging.expected());
  std::mutex mutex;
  Names taken;
  const auto maker = fakes.maker();
  plan.make_source = [&](Context& context, const config::Peer& peer) {
    {
      const std::lock_guard lock(mutex);
      taken.push_back(peer.name);
    }
    return maker(context, peer);
  };
  for (const auto& peer : configured) {
    fakes[peer.name].file(peer.name + ".tar", peer.name).ready();
    fs::create_directories(plan.daily_dir / peer.name);
  }
  const auto outcome = detail::stage_all(run.context, plan);
  CHECK(taken == Names{"local", "fresh", "slow", "mid", "quick"});
  REQUIRE(outcome.statuses.size() == 5);
  for (const auto& status : outcome.statuses) {
    CHECK(status.state == PeerState::staged);
  }
}

TEST_CASE("The peer that finished last bounded the day", "[stage][order]") {
  const std::vector<peer::PeerStatus> statuses{staged("big", 9000, 900 << 20, 900 << 20),
                                               staged("late", 2000, 4 << 20, 4 << 20),
                                               staged("small", 100)};
  // big ran 0..9 s; late started at 8 s and ended at 10 s; small at 1 s.
  const auto bounding = bounding_peer(statuses, {{"big", 0}, {"late", 8000}, {"small", 1000}});
  REQUIRE(bounding);
  CHECK(bounding->peer == "late");
  CHECK(bounding->finished_ms == 10000);
  CHECK(bounding->duration_ms == 2000);
  CHECK(bounding->sent == 4u << 20);
  CHECK(bounding_text(*bounding) ==
        "Peer [late] bounded the day: it finished last, 10.0 s after the stage began, its own "
        "stage taking 2.0 s (4.00 MiB sent, 2.00 MiB/s).");
  // Without start times, the longest stage; on a tie, the later one.
  CHECK(bounding_peer(statuses, {})->peer == "big");
  CHECK(bounding_peer({staged("a", 5), staged("b", 5)}, {})->peer == "b");
  CHECK_FALSE(bounding_peer({}, {}));
}

TEST_CASE("PeerStarts notes each peer's first start", "[stage][order]") {
  PeerStarts starts;
  starts.note("a");
  const auto first = starts.started_ms();
  REQUIRE(first.contains("a"));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  starts.note("a");
  CHECK(starts.started_ms() == first);
}

} // namespace cback::actions
