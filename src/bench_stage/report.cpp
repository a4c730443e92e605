#include <cback/bench_stage/report.hpp>

#include <cback/bench_common/svg.hpp>
#include <cback/core/progress.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace cback::bench_stage {

namespace {

constexpr double k_mib = 1024.0 * 1024.0;

// The plot's frame, in SVG user units (the x axis is logarithmic, so the
// axes are drawn here, not by bench_common::axes).
constexpr bench_common::Frame k_frame{800.0, 470.0, 70.0, 20.0, 40.0, 90.0};
constexpr std::array<const char*, 6> k_colours{"#1f77b4", "#ff7f0e", "#2ca02c",
                                               "#9467bd", "#8c564b", "#e377c2"};
constexpr const char* k_ring_colour = "#d62728";

std::uint64_t bytes_in_flight(const SftpPoint& point) {
  return std::uint64_t{point.requests_in_flight} * point.request_size;
}

std::string shown(double bytes) {
  return core::display_bytes(bytes);
}

// Requests in flight on a log2 axis, MiB/s on a linear one.
struct Scale {
  double low = 0.0;  ///< log2 of the fewest requests tried
  double high = 1.0; ///< log2 of the most
  double mib = 1.0;  ///< top of the rate axis
  [[nodiscard]] double x(unsigned in_flight) const {
    const double span = std::max(high - low, 1.0);
    const double margin = 0.05 * (k_frame.width - k_frame.left - k_frame.right);
    return k_frame.left + margin +
           (std::log2(in_flight) - low) / span *
               (k_frame.width - k_frame.left - k_frame.right - 2 * margin);
  }
  [[nodiscard]] double y(double rate) const {
    return k_frame.height - k_frame.bottom -
           rate / k_mib / mib * (k_frame.height - k_frame.top - k_frame.bottom);
  }
};

Scale scale_of(const BenchResult& bench, const Recommendation& recommendation) {
  Scale scale;
  const auto [fewest, most] = std::minmax_element(
      bench.points.begin(), bench.points.end(), [](const auto& a, const auto& b) {
        return a.point.requests_in_flight < b.point.requests_in_flight;
      });
  scale.low = std::log2(fewest->point.requests_in_flight);
  scale.high = std::log2(most->point.requests_in_flight);
  scale.mib = std::max(recommendation.best_rate / k_mib * 1.1, 0.1);
  return scale;
}

std::string axes(const BenchResult& bench, const Scale& scale) {
  const double y0 = k_frame.height - k_frame.bottom;
  std::string svg = fmt::format(
      "<g stroke=\"#333\" stroke-width=\"1\"><line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" "
      "y2=\"{1:.1f}\"/><line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{3:.1f}\"/></g>\n",
      k_frame.left, y0, k_frame.width - k_frame.right, k_frame.top);
  svg += "<g font-family=\"sans-serif\" font-size=\"12\" fill=\"#333\">\n";
  std::vector<unsigned> ticks;
  for (const auto& result : bench.points) {
    ticks.push_back(result.point.requests_in_flight);
  }
  std::sort(ticks.begin(), ticks.end());
  ticks.erase(std::unique(ticks.begin(), ticks.end()), ticks.end());
  for (const auto in_flight : ticks) {
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" "
                       "stroke=\"#333\"/><text x=\"{0:.1f}\" y=\"{3:.1f}\" "
                       "text-anchor=\"middle\">{4}</text>\n",
                       scale.x(in_flight), y0, y0 + 5, y0 + 20, in_flight);
  }
  const double step = bench_common::tick_step(scale.mib, 8);
  for (double m = 0.0; m <= scale.mib + 1e-9; m += step) {
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" "
                       "stroke=\"#ddd\"/><text x=\"{3:.1f}\" y=\"{4:.1f}\" "
                       "text-anchor=\"end\">{5:g}</text>\n",
                       k_frame.left, scale.y(m * k_mib), k_frame.width - k_frame.right,
                       k_frame.left - 6, scale.y(m * k_mib) + 4, m);
  }
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">"
                     "sftp_requests_in_flight</text>\n",
                     (k_frame.left + k_frame.width - k_frame.right) / 2, y0 + 38);
  svg += fmt::format("<text transform=\"translate(18 {:.1f}) rotate(-90)\" "
                     "text-anchor=\"middle\">rate (MiB/s)</text>\n</g>\n",
                     (k_frame.top + y0) / 2);
  return svg;
}

// The points of each request size, in the order measured.
std::map<std::size_t, std::vector<PointResult>> by_request_size(const BenchResult& bench) {
  std::map<std::size_t, std::vector<PointResult>> lines;
  for (const auto& result : bench.points) {
    lines[result.point.request_size].push_back(result);
  }
  for (auto& [size, line] : lines) {
    std::sort(line.begin(), line.end(), [](const auto& a, const auto& b) {
      return a.point.requests_in_flight < b.point.requests_in_flight;
    });
  }
  return lines;
}

std::string rate_lines(const BenchResult& bench, const Scale& scale, std::string& legend) {
  std::string svg;
  std::size_t index = 0;
  for (const auto& [size, line] : by_request_size(bench)) {
    const char* colour = k_colours.at(index % k_colours.size());
    std::string points;
    for (const auto& result : line) {
      const double x = scale.x(result.point.requests_in_flight);
      const double y = scale.y(result.rate());
      points += fmt::format("{:.1f},{:.1f} ", x, y);
      svg +=
          fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n", x, y, colour);
    }
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" "
                       "points=\"{}\"/>\n",
                       colour, points);
    legend +=
        fmt::format("<g transform=\"translate({:.1f} {:.1f})\"><line x1=\"0\" y1=\"0\" "
                    "x2=\"24\" y2=\"0\" stroke=\"{}\" stroke-width=\"1.5\"/><text x=\"30\" "
                    "y=\"4\">sftp_request_size {}</text></g>\n",
                    k_frame.left + static_cast<double>(index % 3) * 240.0,
                    k_frame.height - 30 + static_cast<double>(index / 3) * 18.0, colour, size);
    ++index;
  }
  legend += fmt::format("<g transform=\"translate({:.1f} {:.1f})\"><circle cx=\"12\" cy=\"0\" "
                        "r=\"7\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/><text x=\"30\" "
                        "y=\"4\">recommended</text></g>\n",
                        k_frame.left + static_cast<double>(index % 3) * 240.0,
                        k_frame.height - 30 + static_cast<double>(index / 3) * 18.0, k_ring_colour);
  return svg;
}

} // namespace

Recommendation recommend(const BenchResult& bench) {
  Recommendation recommendation;
  for (const auto& result : bench.points) {
    recommendation.best_rate = std::max(recommendation.best_rate, result.rate());
  }
  const PointResult* chosen = nullptr;
  for (const auto& result : bench.points) {
    if (result.rate() < k_close_to_best * recommendation.best_rate) {
      continue;
    }
    const auto bytes = bytes_in_flight(result.point);
    if (chosen == nullptr || bytes < bytes_in_flight(chosen->point) ||
        (bytes == bytes_in_flight(chosen->point) &&
         result.point.request_size > chosen->point.request_size)) {
      chosen = &result;
    }
  }
  recommendation.point = chosen->point;
  recommendation.rate = chosen->rate();
  recommendation.bdp =
      static_cast<std::uint64_t>(std::ceil(recommendation.best_rate * bench.round_trip));
  // Rising: on the line of the chosen request size, the most requests
  // tried is close to the best and a smaller count was not.
  const auto lines = by_request_size(bench);
  const auto& line = lines.at(chosen->point.request_size);
  const bool top_is_best = line.back().rate() >= k_close_to_best * recommendation.best_rate;
  const bool lower_was_slower =
      line.size() > 1 && line[line.size() - 2].rate() < k_close_to_best * recommendation.best_rate;
  recommendation.still_rising =
      top_is_best && lower_was_slower &&
      chosen->point.requests_in_flight == line.back().point.requests_in_flight;
  return recommendation;
}

std::string verdict(const Recommendation& recommendation) {
  const auto& point = recommendation.point;
  std::string text = fmt::format(
      "sftp_requests_in_flight = {} with sftp_request_size = {} reached {}/s, within {:.0f}% "
      "of the best rate measured ({}/s) with the fewest bytes in flight ({}; the link holds "
      "about {} in one round trip).",
      point.requests_in_flight, point.request_size, shown(recommendation.rate),
      k_close_to_best * 100, shown(recommendation.best_rate),
      shown(static_cast<double>(bytes_in_flight(point))),
      shown(static_cast<double>(recommendation.bdp)));
  if (recommendation.still_rising) {
    text += " The rate still rose at the most requests in flight tried: try more "
            "(--in-flight).";
  }
  return text;
}

std::string points_csv(const BenchResult& bench) {
  std::string csv = "requests_in_flight,request_size_bytes,bytes,seconds,bytes_per_second\n";
  for (const auto& result : bench.points) {
    csv += fmt::format("{},{},{},{:.6f},{:.0f}\n", result.point.requests_in_flight,
                       result.point.request_size, result.bytes, result.seconds, result.rate());
  }
  return csv;
}

std::string summary_text(const BenchResult& bench, const Recommendation& recommendation) {
  std::string text;
  text += fmt::format("peer: {}\n", bench.peer);
  text += fmt::format("file: {}\n", bench.file);
  text += fmt::format("sample_bytes: {}\n", bench.sample_bytes);
  text += fmt::format("rounds: {}\n", bench.rounds);
  text += fmt::format("round_trip_seconds: {:.6f}\n", bench.round_trip);
  for (const auto& result : bench.points) {
    text += fmt::format("rate_{}x{}_bytes_per_second: {:.0f}\n", result.point.requests_in_flight,
                        result.point.request_size, result.rate());
  }
  text += fmt::format("link_bytes_per_second: {:.0f}\n", recommendation.best_rate);
  text += fmt::format("bandwidth_delay_bytes: {}\n", recommendation.bdp);
  text += fmt::format("recommended_sftp_requests_in_flight: {}\n",
                      recommendation.point.requests_in_flight);
  text += fmt::format("recommended_sftp_request_size: {}\n", recommendation.point.request_size);
  text += fmt::format("still_rising: {}\n", recommendation.still_rising ? "yes" : "no");
  text += fmt::format("verdict: {}\n", verdict(recommendation));
  return text;
}

std::string rate_svg(const BenchResult& bench, const Recommendation& recommendation,
                     const std::string& title) {
  const auto scale = scale_of(bench, recommendation);
  std::string svg = bench_common::svg_begin(k_frame, title);
  svg += axes(bench, scale);
  std::string legend;
  svg += rate_lines(bench, scale, legend);
  svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"7\" fill=\"none\" stroke=\"{}\" "
                     "stroke-width=\"2\"/>\n",
                     scale.x(recommendation.point.requests_in_flight), scale.y(recommendation.rate),
                     k_ring_colour);
  svg += "<g class=\"legend\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#333\">\n" +
         legend + "</g>\n</svg>\n";
  return svg;
}

std::string default_title(const BenchResult& bench) {
  return fmt::format("Stage over SFTP: peer {}, round trip {:.2f} ms, {} per setting", bench.peer,
                     bench.round_trip * 1000.0, shown(static_cast<double>(bench.sample_bytes)));
}

} // namespace cback::bench_stage
