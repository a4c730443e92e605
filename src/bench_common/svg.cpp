#include <cback/bench_common/svg.hpp>

#include <fmt/format.h>

#include <cmath>

namespace cback::bench_common {

std::string xml_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

double tick_step(double span, int max_ticks) {
  if (!(span > 0.0) || max_ticks < 1) {
    return 1.0;
  }
  const double raw = span / max_ticks;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (factor * power >= raw) {
      return factor * power;
    }
  }
  return 10.0 * power;
}

std::string svg_begin(const Frame& frame, std::string_view title) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"{0:g}\" height=\"{1:g}\" viewBox=\"0 0 {0:g} {1:g}\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2:g}\" y=\"24\" font-family=\"sans-serif\" font-size=\"15\" "
      "text-anchor=\"middle\">{3}</text>\n",
      frame.width, frame.height, frame.width / 2, xml_escaped(title));
}

std::string axes(const Scale& scale, std::string_view x_label, std::string_view y_label) {
  const Frame& frame = scale.frame;
  const double x0 = scale.x(0);
  const double y0 = scale.y(0);
  std::string svg = fmt::format(
      "<g stroke=\"#333\" stroke-width=\"1\"><line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" "
      "y2=\"{1:.1f}\"/><line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{3:.1f}\"/></g>\n",
      x0, y0, scale.x(scale.x_span), scale.y(scale.y_span));
  svg += "<g font-family=\"sans-serif\" font-size=\"12\" fill=\"#333\">\n";
  const double x_step = tick_step(scale.x_span, 10);
  for (double x = 0.0; x <= scale.x_span + 1e-9; x += x_step) {
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" "
                       "stroke=\"#333\"/><text x=\"{0:.1f}\" y=\"{3:.1f}\" "
                       "text-anchor=\"middle\">{4:g}</text>\n",
                       scale.x(x), y0, y0 + 5, y0 + 20, x);
  }
  const double y_step = tick_step(scale.y_span, 8);
  for (double y = 0.0; y <= scale.y_span + 1e-9; y += y_step) {
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" "
                       "stroke=\"#ddd\"/><text x=\"{3:.1f}\" y=\"{4:.1f}\" "
                       "text-anchor=\"end\">{5:g}</text>\n",
                       x0, scale.y(y), scale.x(scale.x_span), x0 - 6, scale.y(y) + 4, y);
  }
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                     (frame.left + frame.width - frame.right) / 2, frame.height - frame.bottom + 38,
                     xml_escaped(x_label));
  svg += fmt::format("<text transform=\"translate(18 {:.1f}) rotate(-90)\" "
                     "text-anchor=\"middle\">{}</text>\n</g>\n",
                     (frame.top + frame.height - frame.bottom) / 2, xml_escaped(y_label));
  return svg;
}

} // namespace cback::bench_common
