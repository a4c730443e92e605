#include <cback/actions/stage.hpp>

#include <catch2/catch.hpp>

namespace config = cback::config;
using cback::actions::ignores_failure;

TEST_CASE("ignore_failures decides whether a peer that is not ready is a failure",
          "[stage][actions]") {
  using config::IgnoreFailures;
  // start of week (or --full) / another day
  CHECK_FALSE(ignores_failure(std::nullopt, true));
  CHECK_FALSE(ignores_failure(std::nullopt, false));
  CHECK_FALSE(ignores_failure(IgnoreFailures::none, true));
  CHECK_FALSE(ignores_failure(IgnoreFailures::none, false));
  CHECK(ignores_failure(IgnoreFailures::all, true));
  CHECK(ignores_failure(IgnoreFailures::all, false));
  CHECK(ignores_failure(IgnoreFailures::weekly, true));
  CHECK_FALSE(ignores_failure(IgnoreFailures::weekly, false));
  CHECK_FALSE(ignores_failure(IgnoreFailures::daily, true));
  CHECK(ignores_failure(IgnoreFailures::daily, false));
}

TEST_CASE("Stage peers come from [stage] if it lists any, local peers first", "[stage][actions]") {
  config::Config c;
  c.stage = config::Stage{};
  c.peers = config::Peers{};
  const auto peer = [](const char* name, config::PeerType type) {
    config::Peer p;
    p.name = name;
    p.type = type;
    return p;
  };
  c.peers->peers = {peer("p-remote", config::PeerType::remote),
                    peer("p-local", config::PeerType::local)};
  const auto names = [&] {
    std::vector<std::string> all;
    for (const auto& p : cback::actions::stage_peers(c)) {
      all.push_back(p.name);
    }
    return all;
  };
  CHECK(names() == std::vector<std::string>{"p-local", "p-remote"});
  c.stage->peers = {peer("r1", config::PeerType::remote), peer("l1", config::PeerType::local),
                    peer("r2", config::PeerType::remote), peer("l2", config::PeerType::local)};
  CHECK(names() == std::vector<std::string>{"l1", "l2", "r1", "r2"});
}

TEST_CASE("The daily staging dir is staging_dir/YYYY/MM/DD", "[stage][actions]") {
  using namespace std::chrono;
  CHECK(cback::actions::daily_dir("/srv/stage", year{2026} / March / day{7}) ==
        "/srv/stage/2026/03/07");
}
