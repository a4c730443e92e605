// cback-bench stage end to end, against a remote peer on the loopback sshd
// that tools/servers.sh starts: the summary and its recommendation, the CSV
// with a row per setting, the plot; the peer and the staging dir left as
// they were; the peers it refuses.

#include "support/random_bytes.hpp"
#include "support/stage_pool.hpp"
#include "support/text.hpp"

#include <set>
#include <sstream>

namespace cback::test {

namespace {

RunResult bench(const StagePool& pool, std::vector<std::string> args) {
  std::vector<std::string> argv{tool_binary("cback-bench"), "stage", "-c", pool.config.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

} // namespace

TEST_CASE("cback-bench stage reads a remote peer with every setting and recommends one",
          "[bench_stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  pool.remote_peer(*sshd, "web");
  pool.ready("web", {{"small.tar", "s"}, {"big.tar", random_bytes(3'000'000, 3)}});
  // A link to a larger file elsewhere is not a file of the collect dir.
  pool.dir.write("outside/huge", random_bytes(5'000'000, 4));
  fs::create_symlink(pool.dir / "outside/huge", pool.collect("web") / "zz-link");
  const auto before = names_in(pool.collect("web"));
  pool.write_config();
  const auto work = pool.make_dir("bench-work");
  const auto result =
      bench(pool, {"--peer", "web", "--in-flight", "2,8,32", "--request-size", "32K,64K", "--bytes",
                   "1M", "--rounds", "1", "--work-dir", work.string(), "--csv",
                   (pool.dir / "rates.csv").string(), "--svg", (pool.dir / "rates.svg").string()});
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  auto summary = summary_of(result.out);
  CHECK(summary["peer"] == "web");
  CHECK(summary["file"] == "big.tar");
  CHECK(summary["sample_bytes"] == "1048576");
  CHECK(std::stod(summary["round_trip_seconds"]) > 0.0);
  CHECK(std::stod(summary["link_bytes_per_second"]) > 0.0);
  CHECK(std::set<std::string>{"2", "8", "32"}.contains(
      summary["recommended_sftp_requests_in_flight"]));
  CHECK(std::set<std::string>{"32768", "65536"}.contains(summary["recommended_sftp_request_size"]));
  CHECK(summary["verdict"].starts_with("sftp_requests_in_flight = "));
  // One row per setting, each the whole sample.
  std::istringstream csv(read_file(pool.dir / "rates.csv"));
  std::string line;
  REQUIRE(std::getline(csv, line));
  CHECK(line == "requests_in_flight,request_size_bytes,bytes,seconds,bytes_per_second");
  std::vector<std::string> settings;
  while (std::getline(csv, line)) {
    settings.push_back(line.substr(0, line.find(',', line.find(',') + 1)));
    CHECK(line.find(",1048576,") != std::string::npos);
  }
  CHECK(settings == std::vector<std::string>{"2,32768", "8,32768", "32,32768", "2,65536", "8,65536",
                                             "32,65536"});
  const auto svg = read_file(pool.dir / "rates.svg");
  CHECK(svg.find("<polyline") != std::string::npos);
  CHECK(svg.find("peer web") != std::string::npos);
  // Only read: nothing written on the peer (no cback.stage), nothing
  // staged, and the copies gone from the work dir.
  CHECK(names_in(pool.collect("web")) == before);
  CHECK_FALSE(fs::exists(pool.dir / "staging"));
  CHECK(names_in(work).empty());
}

TEST_CASE("cback-bench stage refuses a local or unknown peer and a collect dir with no file",
          "[bench_stage][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  StagePool pool;
  pool.local_peer("here");
  pool.remote_peer(*sshd, "empty");
  pool.write_config();
  const auto local = bench(pool, {"--peer", "here"});
  CHECK(local.exit_code == 2);
  CHECK(local.err.find("Peer [here] is a local peer") != std::string::npos);
  const auto unknown = bench(pool, {"--peer", "nobody"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("No peer [nobody]") != std::string::npos);
  const auto nothing = bench(pool, {"--peer", "empty", "--work-dir", pool.dir.path().string()});
  CHECK(nothing.exit_code == 6);
  CHECK(nothing.err.find("no regular file to read") != std::string::npos);
}

} // namespace cback::test
