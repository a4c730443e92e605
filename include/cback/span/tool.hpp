#pragma once

// cback-span (docs/compatibility.md, "cback-span"): spans the staging data not yet written to
// disc across as many discs as it needs, one disc after another, each
// verified with check_data, then marks every daily directory with
// cback.store. Interactive as the original, or driven by its settings
// alone for scripts (--yes).

#include <cback/config/model.hpp>
#include <cback/span/fit.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace cback::core {
class Logger;
class StopFlag;
} // namespace cback::core

namespace cback::io {
class RunBackend;
} // namespace cback::io

namespace cback::span {

struct SpanSettings {
  bool interactive = true;              ///< false with --yes: no question is read
  std::optional<Algorithm> algorithm;   ///< the answer (or the default) to "Which algorithm?"
  std::optional<double> cushion;        ///< the answer (or the default) to the cushion question
  std::optional<std::int64_t> capacity; ///< bytes of a disc instead of the media type's
  std::optional<std::string>
      image_pattern;    ///< "/path/disc-%d.iso": disc n to stdio:/path/disc-n.iso
  bool dry_run = false; ///< show the plan, write nothing
};

inline constexpr double k_default_cushion = 4.5;

/// The device disc `number` (from 1) is written to: the image pattern with
/// every "%d" replaced by the number (as "stdio:PATH"), else the
/// configured target_device.
std::string device_for(const SpanSettings& settings, const config::Store& store, int number);

/// Runs the tool on `config` (which must have the options and store
/// sections). Returns when done or when a question was answered no.
/// Throws cback::Error: action for a failure (a file larger than a disc, a
/// failed write or verification the user did not retry), interrupted when
/// `stop` is requested.
/// The staged files are read through `io` (made as cback makes its own).
void run_span(const config::Config& config, const SpanSettings& settings, std::istream& in,
              std::ostream& out, core::Logger& log, io::RunBackend& io,
              const core::StopFlag* stop = nullptr);

} // namespace cback::span
