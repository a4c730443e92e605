#pragma once

// The plotting shared by cback-bench's commands: a frame with two linear
// axes, ticks and labels, in a standalone SVG document.

#include <string>
#include <string_view>

namespace cback::bench_common {

/// The plot's frame, in SVG user units.
struct Frame {
  double width = 800.0;
  double height = 470.0;
  double left = 70.0;
  double right = 20.0;
  double top = 40.0;
  double bottom = 110.0;
};

/// Maps data (0 .. x_span, 0 .. y_span) into a frame.
struct Scale {
  double x_span = 1.0;
  double y_span = 1.0;
  Frame frame;
  [[nodiscard]] double x(double value) const {
    return frame.left + value / x_span * (frame.width - frame.left - frame.right);
  }
  [[nodiscard]] double y(double value) const {
    return frame.height - frame.bottom - value / y_span * (frame.height - frame.top - frame.bottom);
  }
};

/// `text` with <, >, & and " escaped for SVG text and attributes.
std::string xml_escaped(std::string_view text);

/// A tick step of 1, 2 or 5 × 10^n giving at most `max_ticks` ticks over `span`.
double tick_step(double span, int max_ticks);

/// The document's start: the svg element sized to the frame, a white
/// background and `title` centred on top. End the document with "</svg>\n".
std::string svg_begin(const Frame& frame, std::string_view title);

/// Both axes from 0, ticks with values (grid lines across for y) and the
/// axis labels.
std::string axes(const Scale& scale, std::string_view x_label, std::string_view y_label);

} // namespace cback::bench_common
