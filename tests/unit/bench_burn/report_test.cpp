// What cback-bench burn makes of the samples: summary, CSV and SVG.

#include <cback/bench_burn/options.hpp>
#include <cback/bench_burn/report.hpp>
#include <cback/core/progress.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace cback::bench_burn;
using cback::bench_burn::Seconds;
using cback::bench_burn::ThrottledSample;

namespace {

constexpr std::int64_t k_mib = 1024 * 1024;

ThrottledSample sample(double at, std::int64_t written, std::int64_t fill, bool open = true) {
  ThrottledSample s;
  s.elapsed = Seconds(at);
  s.written = written;
  s.fifo_fill = fill;
  s.fifo_size = 8 * k_mib;
  s.fifo_input_open = open;
  return s;
}

cback::bench_burn::ThrottledWriteResult result_of(std::int64_t image_bytes) {
  cback::bench_burn::ThrottledWriteResult result;
  result.image_bytes = image_bytes;
  result.fifo_size = 8 * k_mib;
  result.buffer_size = k_mib;
  result.drive.bytes = image_bytes;
  result.drive.first_byte = Seconds(0.0);
  result.drive.last_byte = Seconds(4.0);
  return result;
}

} // namespace

TEST_CASE("the summary leaves out the filling ramp and the final drain", "[bench_burn][report]") {
  // Ramp to full, a dip of 3 MiB during a stall, full again, then the
  // source ends and the FIFO drains to nothing.
  const std::vector<ThrottledSample> samples{sample(0.0, 0, 0),
                                             sample(0.1, 1 * k_mib, 2 * k_mib),
                                             sample(0.2, 2 * k_mib, 8 * k_mib),
                                             sample(0.3, 3 * k_mib, 8 * k_mib),
                                             sample(0.4, 4 * k_mib, 5 * k_mib),
                                             sample(0.5, 5 * k_mib, 8 * k_mib),
                                             sample(0.6, 12 * k_mib, 8 * k_mib),
                                             sample(0.7, 16 * k_mib, 4 * k_mib),
                                             sample(0.8, 20 * k_mib, 0, false)};
  const auto summary = summarize(samples, result_of(20 * k_mib), 10.0 * k_mib, 4 * k_mib);
  REQUIRE(summary.min_fill);
  CHECK(*summary.min_fill == 5 * k_mib);
  CHECK(summary.deepest_drain == 3 * k_mib);
  CHECK(summary.fifo_empty_count == 0);
  CHECK(summary.underruns == 0);
  // The deficit of 3 MiB plus a quarter for margin.
  CHECK(summary.needed_fifo == 3 * k_mib + 3 * k_mib / 4);
  CHECK(summary.achieved_rate == Approx(5.0 * k_mib));
}

TEST_CASE("underruns add what the drive missed to the FIFO it needed", "[bench_burn][report]") {
  const std::vector<ThrottledSample> samples{
      sample(0.1, k_mib, 8 * k_mib), sample(0.2, 2 * k_mib, 8 * k_mib), sample(0.3, 4 * k_mib, 0),
      sample(0.4, 5 * k_mib, 0),     sample(0.5, 6 * k_mib, 8 * k_mib), sample(0.6, 7 * k_mib, 0)};
  auto result = result_of(64 * k_mib);
  result.drive.underruns = {{Seconds(0.35), Seconds(0.1)}, {Seconds(0.65), Seconds(0.25)}};
  const auto summary = summarize(samples, result, 4.0 * k_mib, 4 * k_mib);
  CHECK(*summary.min_fill == 0);
  CHECK(summary.fifo_empty_count == 2);
  CHECK(summary.underruns == 2);
  CHECK(summary.longest_underrun.count() == Approx(0.25));
  CHECK(summary.underrun_time.count() == Approx(0.35));
  // 8 MiB drained, plus 0.25 s at 4 MiB/s.
  CHECK(summary.needed_fifo == 9 * k_mib + 9 * k_mib / 4);
  CHECK(summary_text(summary).find("underruns: 2\n") != std::string::npos);
}

TEST_CASE("an empty drive buffer next to a full FIFO is a drive stall, not an underrun",
          "[bench_burn][report]") {
  const std::vector<ThrottledSample> samples{
      sample(0.1, k_mib, 8 * k_mib), sample(0.2, 2 * k_mib, 8 * k_mib),
      sample(0.3, 3 * k_mib, 7 * k_mib), sample(0.4, 4 * k_mib, 8 * k_mib)};
  auto result = result_of(64 * k_mib);
  result.drive.underruns = {{Seconds(0.25), Seconds(0.01)}};
  const auto summary = summarize(samples, result, 4.0 * k_mib, 4 * k_mib);
  CHECK(summary.underruns == 0);
  CHECK(summary.drive_stalls == 1);
  CHECK(summary.longest_underrun.count() == Approx(0.0));
  CHECK(summary.needed_fifo == k_mib + k_mib / 4);
  const std::string svg = fifo_svg(samples, summary, result.drive.underruns, "stall");
  CHECK(svg.find("fill=\"#ff7f0e\"") != std::string::npos);
  // Red only in the legend: no underrun band.
  CHECK(svg.find("fill=\"#d62728\"") > svg.find("class=\"legend\""));
}

TEST_CASE("the CSV has a header and one line per sample", "[bench_burn][report]") {
  const std::string csv = samples_csv({sample(0.01, 0, 0), sample(0.02, 2048, 4096)});
  CHECK(csv == "seconds,written_bytes,fifo_fill_bytes,fifo_size_bytes,fifo_input_open,"
               "drive_buffer_bytes\n0.010,0,0,8388608,1,0\n0.020,2048,4096,8388608,1,0\n");
}

TEST_CASE("the plot is an SVG with the fill, the levels and the underruns",
          "[bench_burn][report]") {
  const std::vector<ThrottledSample> samples{
      sample(0.1, k_mib, 8 * k_mib), sample(0.5, 2 * k_mib, 0), sample(1.0, 3 * k_mib, 8 * k_mib)};
  auto result = result_of(64 * k_mib);
  result.drive.underruns = {{Seconds(0.5), Seconds(0.1)}};
  const auto summary = summarize(samples, result, k_mib, 4 * k_mib);
  const std::string svg = fifo_svg(samples, summary, result.drive.underruns, "A <title> & more");
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
  CHECK(svg.find("<polyline") != std::string::npos);
  CHECK(svg.find("fill=\"#d62728\"") != std::string::npos);
  CHECK(svg.find("A &lt;title&gt; &amp; more") != std::string::npos);
  CHECK(svg.find("time (s)") != std::string::npos);
  CHECK(svg.find("FIFO fill (MiB)") != std::string::npos);
  CHECK(svg.find("FIFO size " + cback::core::display_bytes(8.0 * k_mib)) != std::string::npos);
  // Every kind of mark is named in the legend, the red bands too.
  for (const char* entry :
       {"FIFO fill</text>", "FIFO size</text>", "minimum fill</text>",
        "underrun: drive and FIFO empty</text>", "drive stall: drive empty, FIFO not</text>"}) {
    CHECK(svg.find(entry) != std::string::npos);
  }
  CHECK(svg.find("class=\"legend\"") != std::string::npos);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
}

TEST_CASE("an image under three times the FIFO is too small to judge", "[bench_burn][report]") {
  // The whole image fits in the FIFO: it never drains, so the measured
  // deficit is nothing; the recommendation keeps the FIFO of the run.
  const std::vector<ThrottledSample> samples{sample(0.1, 0, 8 * k_mib, false),
                                             sample(0.5, 4 * k_mib, 4 * k_mib, false)};
  const auto summary = summarize(samples, result_of(8 * k_mib), 4.0 * k_mib, 4 * k_mib);
  CHECK_FALSE(summary.judged);
  CHECK(summary.needed_fifo < summary.fifo_size);
  CHECK(summary.recommended_fifo == 8 * k_mib);
  CHECK(verdict(summary).find("too small to judge") != std::string::npos);
  CHECK(summary_text(summary).find("judged: no\n") != std::string::npos);
}

TEST_CASE("a recommendation below the default says so", "[bench_burn][report]") {
  const std::vector<ThrottledSample> samples{sample(0.1, k_mib, 8 * k_mib),
                                             sample(0.2, 2 * k_mib, 8 * k_mib)};
  const auto summary = summarize(samples, result_of(32 * k_mib), 4.0 * k_mib, 16 * k_mib);
  CHECK(summary.judged);
  CHECK(summary.recommended_fifo < summary.default_fifo);
  CHECK(verdict(summary).find("below the default") != std::string::npos);
}

TEST_CASE("the default title shows the FIFO size in readable units", "[bench_burn][report]") {
  BurnOptions options;
  options.speed_text = "cd:48";
  const std::string title = default_title(options, 64 * 1024);
  CHECK(title.find(cback::core::display_bytes(64.0 * 1024) + " FIFO") != std::string::npos);
  CHECK(title.find("0 MiB") == std::string::npos);
}
