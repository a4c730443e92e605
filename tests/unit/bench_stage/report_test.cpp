// What cback-bench stage makes of its measurements: the recommendation,
// the summary, CSV and SVG; and its command line.

#include <cback/bench_stage/options.hpp>
#include <cback/bench_stage/report.hpp>
#include <cback/core/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace cback::bench_stage {

namespace {

constexpr double k_mib = 1024.0 * 1024.0;

// A bench whose point (in_flight, size) reached `mib_per_second`.
struct Made {
  BenchResult bench;
  Made() {
    bench.peer = "web";
    bench.file = "etc.tar";
    bench.sample_bytes = 64 << 20;
    bench.rounds = 3;
    bench.round_trip = 0.02;
  }
  Made& point(unsigned in_flight, std::size_t size, double mib_per_second) {
    bench.points.push_back(
        {{in_flight, size}, static_cast<std::uint64_t>(mib_per_second * k_mib), 1.0});
    return *this;
  }
};

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

std::vector<std::string_view> args_of(const std::vector<const char*>& args) {
  return {args.begin(), args.end()};
}

} // namespace

TEST_CASE("The recommended point is the one with the fewest bytes in flight near the best rate",
          "[bench_stage]") {
  Made made;
  made.point(4, 32768, 10)
      .point(8, 32768, 19)
      .point(16, 32768, 39)
      .point(4, 65536, 20)
      .point(8, 65536, 38.5)
      .point(16, 65536, 40);
  const auto recommendation = recommend(made.bench);
  // 16×32K and 8×64K hold 512 KiB each, both within 90% of 40 MiB/s: the
  // larger requests win the tie.
  CHECK(recommendation.point == SftpPoint{8, 65536});
  CHECK(recommendation.best_rate == Approx(40 * k_mib));
  CHECK(recommendation.rate == Approx(38.5 * k_mib));
  CHECK(recommendation.bdp == static_cast<std::uint64_t>(std::ceil(40 * k_mib * 0.02)));
  CHECK_FALSE(recommendation.still_rising);
  CHECK(verdict(recommendation)
            .starts_with(
                "sftp_requests_in_flight = 8 with sftp_request_size = 65536 reached 38.50 MiB/s"));
}

TEST_CASE("A rate still rising at the most requests tried says to try more", "[bench_stage]") {
  Made made;
  made.point(4, 65536, 5).point(8, 65536, 10).point(16, 65536, 20);
  const auto recommendation = recommend(made.bench);
  CHECK(recommendation.point == SftpPoint{16, 65536});
  CHECK(recommendation.still_rising);
  CHECK(verdict(recommendation).ends_with("try more (--in-flight)."));
  // Flat at the top: nothing to gain.
  Made flat;
  flat.point(4, 65536, 5).point(8, 65536, 20).point(16, 65536, 20);
  CHECK(recommend(flat.bench).point == SftpPoint{8, 65536});
  CHECK_FALSE(recommend(flat.bench).still_rising);
}

TEST_CASE("The CSV has a row per point and the summary every key", "[bench_stage]") {
  Made made;
  made.point(4, 32768, 10).point(8, 32768, 20).point(4, 65536, 20);
  const auto recommendation = recommend(made.bench);
  const auto csv = points_csv(made.bench);
  CHECK(csv == "requests_in_flight,request_size_bytes,bytes,seconds,bytes_per_second\n"
               "4,32768,10485760,1.000000,10485760\n"
               "8,32768,20971520,1.000000,20971520\n"
               "4,65536,20971520,1.000000,20971520\n");
  const auto summary = summary_text(made.bench, recommendation);
  for (const auto* key :
       {"peer: web\n", "file: etc.tar\n", "sample_bytes: 67108864\n", "rounds: 3\n",
        "round_trip_seconds: 0.020000\n", "rate_8x32768_bytes_per_second: 20971520\n",
        "link_bytes_per_second: 20971520\n", "recommended_sftp_requests_in_flight: 4\n",
        "recommended_sftp_request_size: 65536\n", "still_rising: no\n", "verdict: "}) {
    INFO(key);
    CHECK(summary.find(key) != std::string::npos);
  }
}

TEST_CASE("The plot has a line per request size, the recommended ring and a legend for each",
          "[bench_stage]") {
  Made made;
  made.point(4, 32768, 10).point(8, 32768, 20).point(4, 65536, 20).point(8, 65536, 21);
  const auto svg = rate_svg(made.bench, recommend(made.bench), "peer <web> & co");
  CHECK(svg.starts_with("<?xml"));
  CHECK(svg.ends_with("</svg>\n"));
  CHECK(svg.find("peer &lt;web&gt; &amp; co") != std::string::npos);
  CHECK(count_of(svg, "<polyline") == 2);
  CHECK(svg.find("sftp_request_size 32768") != std::string::npos);
  CHECK(svg.find("sftp_request_size 65536") != std::string::npos);
  CHECK(svg.find(">recommended<") != std::string::npos);
  CHECK(svg.find("sftp_requests_in_flight</text>") != std::string::npos);
  CHECK(default_title(made.bench) ==
        "Stage over SFTP: peer web, round trip 20.00 ms, 64.00 MiB per setting");
}

TEST_CASE("cback-bench stage reads its switches and refuses bad ones", "[bench_stage]") {
  const auto options = parse_stage_options(
      args_of({"-c", "my.conf", "--peer", "web", "--in-flight", "2,128", "--request-size",
               "16K,64K", "--bytes", "8M", "--rounds", "2", "--csv", "r.csv"}));
  CHECK(options.config == "my.conf");
  CHECK(options.peer == "web");
  CHECK(options.requests_in_flight == std::vector<unsigned>{2, 128});
  CHECK(options.request_sizes == std::vector<std::size_t>{16384, 65536});
  CHECK(options.sample_bytes == 8u << 20);
  CHECK(options.rounds == 2);
  CHECK(options.csv == "r.csv");
  CHECK_FALSE(options.work_dir.empty());
  CHECK(points_of(options.requests_in_flight, options.request_sizes) ==
        std::vector<SftpPoint>{{2, 16384}, {128, 16384}, {2, 65536}, {128, 65536}});
  const auto refused = [](const std::vector<const char*>& args) {
    try {
      (void)parse_stage_options(args_of(args));
    } catch (const Error& error) {
      return error.code() == ExitCode::usage;
    }
    return false;
  };
  CHECK(refused({"--in-flight", "4"}));                        // no --peer
  CHECK(refused({"--peer", "web", "--in-flight", "0"}));       // below 1
  CHECK(refused({"--peer", "web", "--in-flight", "4,,8"}));    // empty item
  CHECK(refused({"--peer", "web", "--request-size", "128K"})); // above 64K
  CHECK(refused({"--peer", "web", "--request-size", "512"}));  // below 1K
  CHECK(refused({"--peer", "web", "--rounds", "0"}));
  CHECK(refused({"--peer", "web", "--bytes"}));      // no value
  CHECK(refused({"--peer", "web", "--speed", "1"})); // not ours
  CHECK(parse_stage_options(args_of({"--help"})).help);
}

} // namespace cback::bench_stage
