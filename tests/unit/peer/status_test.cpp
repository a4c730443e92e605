#include <cback/peer/status.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

namespace cback::peer {

namespace {

StageStatus sample() {
  return StageStatus{
      "2026-12-01",
      {
          PeerStatus{"alpha", PeerState::staged, 3, 1000, 600, 1500, ""},
          PeerStatus{"beta", PeerState::failed, 1, 10, 10, 20, "Peer [beta]: read\terror\nhere"},
          PeerStatus{"gam ma\\x", PeerState::not_ready, 0, 0, 0, 3, "not ready"},
          PeerStatus{"delta", PeerState::skipped, 0, 0, 0, 1, "not ready"},
      }};
}

} // namespace

TEST_CASE("A stage status record survives encoding and decoding unchanged", "[peer][status]") {
  const auto status = sample();
  const auto decoded = decode_status(encode_status(status));
  REQUIRE(decoded);
  CHECK(*decoded == status);
}

TEST_CASE("A stage status record is one line per peer between a header and a count",
          "[peer][status]") {
  const auto text = encode_status(sample());
  CHECK(text.starts_with("cback-stage-status 1 2026-12-01\n"
                         "peer staged 3 1000 600 1500 alpha\t\n"
                         "peer failed 1 10 10 20 beta\tPeer [beta]: read\\x09error\\x0ahere\n"
                         "peer not-ready 0 0 0 3 gam ma\\\\x\tnot ready\n"));
  CHECK(text.ends_with("peer skipped 0 0 0 1 delta\tnot ready\nend 4\n"));
}

TEST_CASE("A truncated or altered stage status record is refused", "[peer][status]") {
  const auto text = encode_status(sample());
  CHECK_FALSE(decode_status(text.substr(0, text.size() - 7)));
  CHECK_FALSE(decode_status(text.substr(0, text.size() - 1)));
  auto wrong_count = text;
  wrong_count.replace(wrong_count.rfind("end 4"), 5, "end 3");
  CHECK_FALSE(decode_status(wrong_count));
  CHECK_FALSE(decode_status("cback-stage-status 2 2026-12-01\nend 0\n"));
  auto bad_state = text;
  bad_state.replace(bad_state.find("staged 3"), 6, "stayed");
  CHECK_FALSE(decode_status(bad_state));
  CHECK(decode_status("cback-stage-status 1 2026-12-01\nend 0\n"));
}

TEST_CASE("A stage status record is written atomically and read back", "[peer][status]") {
  const cback::test::TempDir dir;
  const auto path = dir / "cback.peers";
  cback::peer::write_status(path, sample());
  CHECK_FALSE(std::filesystem::exists(dir / "cback.peers.partial"));
  const auto loaded = cback::peer::load_status(path);
  REQUIRE(loaded);
  CHECK(*loaded == sample());
  const auto missing = cback::peer::load_status(dir / "nothing");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().find("nothing") != std::string::npos);
}

} // namespace cback::peer
