#pragma once

// One disc of a span: its files laid out as YYYY/MM/DD/..., written as a
// new disc through the media layer, then (check_data) read back and
// compared; a failed step may be retried when a person is there to answer.

#include <cback/config/model.hpp>
#include <cback/span/fit.hpp>

#include <chrono>
#include <string>

namespace cback::core {
class Logger;
class StopFlag;
} // namespace cback::core

namespace cback::io {
class RunBackend;
} // namespace cback::io

namespace cback::span {

class Prompter;

struct DiscJob {
  const config::Store& store;
  io::RunBackend& io; ///< reads the staged files
  std::string device; ///< where this disc goes
  int number = 1;     ///< from 1
  int count = 1;      ///< discs in the span
  /// The options' starting_day: names an image file a disc replaces.
  std::chrono::weekday starting_day = std::chrono::Monday;
};

/// "CEDAR BACKUP SPAN 2 OF 3".
std::string span_label(int number, int count);

/// Writes `disc`. Throws cback::Error naming the device when a step fails
/// and is not retried.
void write_disc(Prompter& prompt, const DiscJob& job, const Disc& disc, core::Logger& log,
                const core::StopFlag* stop);

} // namespace cback::span
