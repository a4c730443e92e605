#include <cback/bench_common/svg.hpp>

#include <catch2/catch.hpp>

namespace cback::bench_common {
namespace {

TEST_CASE("tick steps are 1, 2 or 5 times a power of ten", "[bench][svg]") {
  CHECK(tick_step(10.0, 10) == Approx(1.0));
  CHECK(tick_step(6.1, 10) == Approx(1.0));
  CHECK(tick_step(17.6, 8) == Approx(5.0));
  CHECK(tick_step(0.3, 10) == Approx(0.05));
  CHECK(tick_step(0.0, 10) == Approx(1.0));
}

TEST_CASE("Plot text is escaped for SVG", "[bench][svg]") {
  CHECK(xml_escaped("a<b & \"c\">") == "a&lt;b &amp; &quot;c&quot;&gt;");
}

TEST_CASE("Axes carry their labels and ticks over the span", "[bench][svg]") {
  Scale scale;
  scale.x_span = 10.0;
  scale.y_span = 1.0;
  const auto svg = axes(scale, "rate (MiB/s)", "output / input");
  CHECK(svg.find(">rate (MiB/s)</text>") != std::string::npos);
  CHECK(svg.find(">output / input</text>") != std::string::npos);
  CHECK(svg.find(">10</text>") != std::string::npos);
  CHECK(svg.find(">0.4</text>") != std::string::npos);
}

} // namespace
} // namespace cback::bench_common
