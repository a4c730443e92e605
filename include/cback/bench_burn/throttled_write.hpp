#pragma once

// cback-bench burn's write: the store's own session write
// (media::write_session: the same image options, read-ahead, FIFO and
// write path) of a staging directory or a generated tree, into a
// ThrottledSink that takes the data at a medium's nominal speed. The
// staged files' reads may stall or be slow (SourceGate), so that the
// FIFO's work can be watched and tuned.

#include <cback/bench_burn/synthetic_tree.hpp>
#include <cback/bench_burn/throttle.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <variant>

namespace cback::core {
class Logger;
} // namespace cback::core

namespace cback::io {
class Backend;
} // namespace cback::io

namespace cback::bench_burn {

/// The image source: a generated tree or a directory on disk.
using BenchSource = std::variant<SyntheticTree, std::filesystem::path>;

struct ThrottledWriteSpec {
  BenchSource source;
  std::string volume_id = "CBACK BENCH";
  std::int64_t fifo_size = 0; ///< bytes; libisoburn keeps it within 64 KiB .. 1 GiB
  SinkOptions drive;
  std::optional<Stall> stall;
  std::optional<double> source_rate; ///< bytes per second the source can give at most
};

/// One look at the write, every 10 ms.
struct ThrottledSample {
  Seconds elapsed{};          ///< since the origin (as the drive's underruns)
  std::int64_t written = 0;   ///< bytes libburn has passed to the drive
  std::int64_t fifo_fill = 0; ///< bytes waiting in the FIFO
  std::int64_t fifo_size = 0;
  bool fifo_input_open = false; ///< the source is still feeding the FIFO
  std::int64_t buffer_fill = 0; ///< bytes in the drive's buffer (the pipe)
};
using ThrottledObserver = std::function<void(const ThrottledSample&)>;

struct ThrottledWriteResult {
  std::int64_t image_bytes = 0;
  std::int64_t fifo_size = 0;   ///< in effect
  std::int64_t buffer_size = 0; ///< the drive's, in effect
  SinkReport drive;
  Seconds source_waited{}; ///< time the source spent stalled or held back
  Seconds duration{};
};

/// Writes the image of spec.source through the FIFO into the throttled
/// drive, reading the files through `io` as the store does, calling
/// `observer` every 10 ms (on this thread). A generated
/// tree is first written to a temporary directory (in TMPDIR), removed at
/// the end. Throws cback::Error(action) naming the source or the library's
/// reason.
ThrottledWriteResult write_throttled(const ThrottledWriteSpec& spec, io::Backend& io,
                                     core::Logger& log, const ThrottledObserver& observer);

} // namespace cback::bench_burn
