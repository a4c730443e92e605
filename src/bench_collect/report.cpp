#include <cback/bench_collect/collect_bench.hpp>

#include <cback/bench_common/svg.hpp>
#include <cback/core/progress.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cback::bench_collect {

namespace {

constexpr double k_mib = 1024.0 * 1024.0;
constexpr const char* k_point_colour = "#1f77b4";
constexpr const char* k_best_colour = "#d62728";

bool same_case(const Case& a, const Case& b) {
  return a.mode == b.mode && a.level == b.level && a.backend == b.backend;
}

std::string case_label(const Case& what) {
  return fmt::format("{} ({})", case_name(what), backend_name(what.backend));
}

std::string level_note(const Measured& best) {
  if (best.what.mode != config::ArchiveMode::tarzst) {
    return "";
  }
  return best.what.level == 3 ? ", zstd level 3 (what collect writes)"
                              : fmt::format(", zstd level {} (collect writes level 3: no "
                                            "configuration key sets the level yet)",
                                            best.what.level);
}

} // namespace

std::string results_csv(const std::vector<Measured>& rows, const Recommendation& best) {
  std::string csv = "archive_mode,level,backend,input_bytes,output_bytes,seconds,"
                    "mib_per_second,ratio,recommended\n";
  for (const auto& row : rows) {
    const Case chosen{best.archive.what.mode, best.archive.what.level, best.backend};
    const auto name = case_name(row.what);
    csv += fmt::format("{},{},{},{},{},{:.3f},{:.1f},{:.4f},{}\n", name.substr(0, name.find(':')),
                       row.what.level, backend_name(row.what.backend), row.input_bytes,
                       row.output_bytes, row.seconds, row.rate() / k_mib, row.ratio(),
                       same_case(row.what, chosen) ? 1 : 0);
  }
  return csv;
}

std::string results_text(const std::vector<Measured>& rows, const Recommendation& best) {
  std::string text =
      fmt::format("{:<22} {:>10} {:>10} {:>8}\n", "case", "MiB/s", "output", "ratio");
  for (const auto& row : rows) {
    text += fmt::format(
        "{:<22} {:>10.1f} {:>10} {:>7.1f}%\n", case_label(row.what), row.rate() / k_mib,
        core::display_bytes(static_cast<double>(row.output_bytes)), 100.0 * row.ratio());
  }
  const auto name = case_name(best.archive.what);
  text += fmt::format("input_bytes: {}\n", rows.empty() ? 0 : rows.front().input_bytes);
  text += fmt::format("recommended_archive_mode: {}\n", name.substr(0, name.find(':')));
  text += fmt::format("recommended_level: {}\n", best.archive.what.level);
  text += fmt::format("recommended_io_backend: {}\n", backend_name(best.backend));
  text += fmt::format("recommendation: archive_mode = \"{}\"{}, io_backend = \"{}\": {}\n",
                      name.substr(0, name.find(':')), level_note(best.archive),
                      backend_name(best.backend), best.reason);
  return text;
}

std::string results_svg(const std::vector<Measured>& rows, const Recommendation& best,
                        const std::string& title) {
  bench_common::Scale scale;
  double fastest = 0.0;
  double largest = 0.0;
  for (const auto& row : rows) {
    fastest = std::max(fastest, row.rate() / k_mib);
    largest = std::max(largest, row.ratio());
  }
  scale.x_span = std::max(fastest * 1.15, 1.0);
  scale.y_span = std::max(largest * 1.1, 0.1);
  std::string svg = bench_common::svg_begin(scale.frame, title);
  svg += bench_common::axes(scale, "rate (MiB of files per second)", "output / input");
  const Case chosen{best.archive.what.mode, best.archive.what.level, best.backend};
  svg += "<g font-family=\"sans-serif\" font-size=\"11\" fill=\"#333\">\n";
  for (const auto& row : rows) {
    const double x = scale.x(row.rate() / k_mib);
    const double y = scale.y(row.ratio());
    svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
                       x, y, k_point_colour, x + 7, y - 5,
                       bench_common::xml_escaped(case_label(row.what)));
    if (same_case(row.what, chosen)) {
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"9\" fill=\"none\" "
                         "stroke=\"{}\" stroke-width=\"2\"/>\n",
                         x, y, k_best_colour);
    }
  }
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\">ringed: the recommendation "
                     "(smaller and further right is better)</text>\n",
                     scale.frame.left, scale.frame.height - 40, k_best_colour);
  svg += "</g>\n</svg>\n";
  return svg;
}

} // namespace cback::bench_collect
