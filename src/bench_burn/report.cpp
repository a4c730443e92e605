#include <cback/bench_burn/report.hpp>

#include <cback/bench_common/svg.hpp>
#include <cback/core/progress.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>

namespace cback::bench_burn {
namespace {

constexpr double k_mib = 1024.0 * 1024.0;
constexpr std::int64_t k_round = 64 * 1024;
// A FIFO with less than this is dry for the drive (a few of libburn's
// 64 KiB writes); how far around an underrun the samples are looked at.
constexpr std::int64_t k_dry = 256 * 1024;
constexpr Seconds k_margin{0.05};
// A run judges a FIFO only when its image is at least this many times the
// FIFO: a smaller image passes into the FIFO whole and never tests it.
constexpr std::int64_t k_judge_factor = 3;
constexpr const char* k_underrun_colour = "#d62728";
constexpr const char* k_drive_stall_colour = "#ff7f0e";
constexpr const char* k_fill_colour = "#1f77b4";

std::int64_t round_up(std::int64_t bytes) {
  return (bytes + k_round - 1) / k_round * k_round;
}

using bench_common::Scale;

std::string fill_line(const std::vector<ThrottledSample>& samples, const Scale& scale) {
  std::string points;
  for (const auto& sample : samples) {
    points += fmt::format("{:.1f},{:.1f} ", scale.x(sample.elapsed.count()),
                          scale.y(static_cast<double>(sample.fifo_fill) / k_mib));
  }
  return fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" "
                     "points=\"{}\"/>\n",
                     k_fill_colour, points);
}

// A horizontal level with its label: above the line at the right end, or
// below it in the middle (where the fill rarely goes below its minimum).
enum class LabelAt { above_right, below_middle };

std::string level(const Scale& scale, double mib, std::string_view dash, std::string_view label,
                  LabelAt at) {
  // A level near zero has no room below it, above the axis labels.
  const bool above = at == LabelAt::above_right || scale.y(mib) + 16 > scale.y(0);
  const double label_x =
      at == LabelAt::above_right ? scale.x(scale.x_span) : (scale.x(0) + scale.x(scale.x_span)) / 2;
  return fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" "
                     "stroke=\"#555\" stroke-dasharray=\"{3}\"/><text x=\"{4:.1f}\" "
                     "y=\"{5:.1f}\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#555\" "
                     "text-anchor=\"{6}\">{7}</text>\n",
                     scale.x(0), scale.y(mib), scale.x(scale.x_span), dash, label_x,
                     above ? scale.y(mib) - 4 : scale.y(mib) + 14,
                     at == LabelAt::above_right ? "end" : "middle", label);
}

// Whether the FIFO held next to nothing around `underrun` (the samples
// within 50 ms of it; none there counts as dry, to be safe). When the FIFO
// was full instead, the drive's buffer ran dry because the writer thread
// was not scheduled in time: a host hiccup, not the FIFO's doing.
bool fifo_was_dry(const std::vector<ThrottledSample>& samples, const Underrun& underrun) {
  const Seconds from = underrun.at - k_margin;
  const Seconds to = underrun.at + underrun.length + k_margin;
  std::optional<std::int64_t> lowest;
  for (const auto& sample : samples) {
    if (sample.elapsed >= from && sample.elapsed <= to) {
      lowest = std::min(lowest.value_or(sample.fifo_fill), sample.fifo_fill);
    }
  }
  return !lowest || *lowest < k_dry;
}

// Underruns in red, drive stalls (the FIFO was not dry) in orange.
std::string underrun_bands(const std::vector<ThrottledSample>& samples,
                           const std::vector<Underrun>& underruns, const Scale& scale) {
  std::string svg;
  for (const auto& underrun : underruns) {
    const double x = scale.x(underrun.at.count());
    const double width = std::max(2.0, scale.x((underrun.at + underrun.length).count()) - x);
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                       "fill=\"{}\" fill-opacity=\"0.5\"/>\n",
                       x, scale.y(scale.y_span), width, scale.y(0) - scale.y(scale.y_span),
                       fifo_was_dry(samples, underrun) ? k_underrun_colour : k_drive_stall_colour);
  }
  return svg;
}

// One legend entry per kind of mark, in a row under the time axis.
std::string legend() {
  struct Entry {
    std::string mark;
    std::string_view text;
  };
  const std::array<Entry, 5> entries{{
      {fmt::format("<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" stroke=\"{}\" "
                   "stroke-width=\"1.5\"/>",
                   k_fill_colour),
       "FIFO fill"},
      {"<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" stroke=\"#555\" "
       "stroke-dasharray=\"6 4\"/>",
       "FIFO size"},
      {"<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" stroke=\"#555\" "
       "stroke-dasharray=\"2 3\"/>",
       "minimum fill"},
      {fmt::format("<rect x=\"0\" y=\"-6\" width=\"24\" height=\"12\" fill=\"{}\" "
                   "fill-opacity=\"0.5\"/>",
                   k_underrun_colour),
       "underrun: drive and FIFO empty"},
      {fmt::format("<rect x=\"0\" y=\"-6\" width=\"24\" height=\"12\" fill=\"{}\" "
                   "fill-opacity=\"0.5\"/>",
                   k_drive_stall_colour),
       "drive stall: drive empty, FIFO not"},
  }};
  std::string svg = "<g class=\"legend\" font-family=\"sans-serif\" font-size=\"11\" "
                    "fill=\"#333\">\n";
  const bench_common::Frame frame;
  const double y = frame.height - 40;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const double x = frame.left + static_cast<double>(i % 3) * 240.0;
    const double row = y + static_cast<double>(i / 3) * 18.0;
    svg += fmt::format("<g transform=\"translate({:.1f} {:.1f})\">{}<text x=\"30\" "
                       "y=\"4\">{}</text></g>\n",
                       x, row, entries[i].mark, entries[i].text);
  }
  return svg + "</g>\n";
}

} // namespace

FifoSummary summarize(const std::vector<ThrottledSample>& samples,
                      const ThrottledWriteResult& result, double nominal_rate,
                      std::int64_t default_fifo) {
  FifoSummary summary;
  summary.default_fifo = default_fifo;
  summary.judged = result.image_bytes >= k_judge_factor * result.fifo_size;
  summary.image_bytes = result.image_bytes;
  summary.fifo_size = result.fifo_size;
  summary.buffer_size = result.buffer_size;
  summary.nominal_rate = nominal_rate;
  summary.duration = result.duration;
  summary.source_waited = result.source_waited;
  const double busy = (result.drive.last_byte - result.drive.first_byte).count();
  summary.achieved_rate = busy > 0.0 ? static_cast<double>(result.drive.bytes) / busy : 0.0;
  // The window: from the first time the FIFO stopped filling at half its
  // size or more (or, if it never got there, with any data) while the
  // drive wrote, until the source had given everything. Before that the
  // FIFO is still filling up.
  const std::int64_t half = result.fifo_size / 2;
  const bool ever_half = std::any_of(samples.begin(), samples.end(), [&](const auto& sample) {
    return sample.written > 0 && sample.fifo_fill >= half;
  });
  const std::int64_t threshold = ever_half ? half : 1;
  bool started = false;
  bool was_empty = false;
  std::int64_t peak = 0;
  std::int64_t previous = 0;
  for (const auto& sample : samples) {
    // It starts where the fill stops rising, so that the ramp is left out.
    started =
        started || (sample.written > 0 && previous >= threshold && sample.fifo_fill <= previous);
    previous = sample.fifo_fill;
    // libisoburn reports the input as open until the FIFO's reader sees
    // its end, but once the whole image has passed into the FIFO the
    // source has nothing more to give: the tail drains without input.
    const bool source_done = sample.written + sample.fifo_fill >= result.image_bytes;
    if (!started || !sample.fifo_input_open || source_done) {
      continue;
    }
    summary.min_fill = std::min(summary.min_fill.value_or(sample.fifo_fill), sample.fifo_fill);
    peak = std::max(peak, sample.fifo_fill);
    summary.deepest_drain = std::max(summary.deepest_drain, peak - sample.fifo_fill);
    const bool empty = sample.fifo_fill == 0;
    summary.fifo_empty_count += (empty && !was_empty) ? 1 : 0;
    was_empty = empty;
  }
  for (const auto& underrun : result.drive.underruns) {
    if (!fifo_was_dry(samples, underrun)) {
      ++summary.drive_stalls;
      continue;
    }
    ++summary.underruns;
    summary.longest_underrun = std::max(summary.longest_underrun, underrun.length);
    summary.underrun_time += underrun.length;
  }
  const auto shortfall =
      static_cast<std::int64_t>(std::ceil(nominal_rate * summary.longest_underrun.count()));
  const std::int64_t deficit = summary.deepest_drain + shortfall;
  summary.needed_fifo = round_up(std::max<std::int64_t>(deficit + deficit / 4, k_round));
  summary.recommended_fifo = summary.judged
                                 ? summary.needed_fifo
                                 : std::max({summary.needed_fifo, summary.fifo_size, default_fifo});
  return summary;
}

std::string verdict(const FifoSummary& summary) {
  const auto shown = [](std::int64_t bytes) {
    return core::display_bytes(static_cast<double>(bytes));
  };
  if (!summary.judged) {
    return fmt::format("The image ({}) is smaller than {} times the FIFO ({}): it passed into "
                       "the FIFO almost whole, so this run is too small to judge the FIFO. Keep "
                       "at least {}; judge with a larger day or a generated tree.",
                       shown(summary.image_bytes), k_judge_factor, shown(summary.fifo_size),
                       shown(summary.recommended_fifo));
  }
  if (summary.recommended_fifo < summary.default_fifo) {
    return fmt::format("A FIFO of {} (the deficit measured here plus a quarter) would have been "
                       "enough for this run; that is below the default of {}, which is safer "
                       "for sources slower than this one.",
                       shown(summary.recommended_fifo), shown(summary.default_fifo));
  }
  return fmt::format("A FIFO of {} (the deficit measured here plus a quarter) would have been "
                     "enough for this run.",
                     shown(summary.recommended_fifo));
}

std::string samples_csv(const std::vector<ThrottledSample>& samples) {
  std::string csv =
      "seconds,written_bytes,fifo_fill_bytes,fifo_size_bytes,fifo_input_open,drive_buffer_bytes\n";
  for (const auto& sample : samples) {
    csv += fmt::format("{:.3f},{},{},{},{},{}\n", sample.elapsed.count(), sample.written,
                       sample.fifo_fill, sample.fifo_size, sample.fifo_input_open ? 1 : 0,
                       sample.buffer_fill);
  }
  return csv;
}

std::string summary_text(const FifoSummary& summary) {
  std::string text;
  text += fmt::format("image_bytes: {}\n", summary.image_bytes);
  text += fmt::format("nominal_bytes_per_second: {:.0f}\n", summary.nominal_rate);
  text += fmt::format("achieved_bytes_per_second: {:.0f}\n", summary.achieved_rate);
  text += fmt::format("fifo_bytes: {}\n", summary.fifo_size);
  text += fmt::format("drive_buffer_bytes: {}\n", summary.buffer_size);
  text += fmt::format("fifo_min_fill_bytes: {}\n",
                      summary.min_fill ? fmt::format("{}", *summary.min_fill) : "n/a");
  text += fmt::format("fifo_deepest_drain_bytes: {}\n", summary.deepest_drain);
  text += fmt::format("fifo_empty_count: {}\n", summary.fifo_empty_count);
  text += fmt::format("underruns: {}\n", summary.underruns);
  text += fmt::format("drive_stalls: {}\n", summary.drive_stalls);
  text += fmt::format("longest_underrun_seconds: {:.3f}\n", summary.longest_underrun.count());
  text += fmt::format("underrun_seconds: {:.3f}\n", summary.underrun_time.count());
  text += fmt::format("needed_fifo_bytes: {}\n", summary.needed_fifo);
  text += fmt::format("judged: {}\n", summary.judged ? "yes" : "no");
  text += fmt::format("default_fifo_bytes: {}\n", summary.default_fifo);
  text += fmt::format("recommended_fifo_bytes: {}\n", summary.recommended_fifo);
  text += fmt::format("verdict: {}\n", verdict(summary));
  text += fmt::format("source_waited_seconds: {:.3f}\n", summary.source_waited.count());
  text += fmt::format("seconds: {:.3f}\n", summary.duration.count());
  return text;
}

std::string fifo_svg(const std::vector<ThrottledSample>& samples, const FifoSummary& summary,
                     const std::vector<Underrun>& underruns, const std::string& title) {
  Scale scale;
  const double last = samples.empty() ? 0.0 : samples.back().elapsed.count();
  scale.x_span = std::max(last, 0.1);
  scale.y_span = std::max(static_cast<double>(summary.fifo_size) / k_mib * 1.1, 0.1);
  std::string svg = bench_common::svg_begin(scale.frame, title);
  svg += underrun_bands(samples, underruns, scale);
  svg += bench_common::axes(scale, "time (s)", "FIFO fill (MiB)");
  svg += level(
      scale, static_cast<double>(summary.fifo_size) / k_mib, "6 4",
      fmt::format("FIFO size {}", core::display_bytes(static_cast<double>(summary.fifo_size))),
      LabelAt::above_right);
  if (summary.min_fill) {
    svg += level(scale, static_cast<double>(*summary.min_fill) / k_mib, "2 3",
                 fmt::format("minimum fill {}, {} underrun(s)",
                             core::display_bytes(static_cast<double>(*summary.min_fill)),
                             summary.underruns),
                 LabelAt::below_middle);
  }
  svg += fill_line(samples, scale);
  svg += legend();
  svg += "</svg>\n";
  return svg;
}

} // namespace cback::bench_burn
