#pragma once

// What cback-bench burn makes of a throttled write: the summary (minimum
// FIFO fill, underruns, the FIFO that would have been enough), the samples
// as CSV and the FIFO fill over time as an SVG plot.

#include <cback/bench_burn/throttled_write.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cback::bench_burn {

struct FifoSummary {
  std::int64_t image_bytes = 0;
  std::int64_t fifo_size = 0;
  std::int64_t buffer_size = 0; ///< the drive's
  double nominal_rate = 0.0;    ///< bytes per second
  double achieved_rate = 0.0;   ///< bytes per second from the drive's first to last byte
  /// Lowest FIFO fill from the first time it stopped filling at half its
  /// size or more (or with any data, if it never got there) while the
  /// drive wrote, until the source ended; nullopt when no sample fell in that window (a tiny
  /// image).
  std::optional<std::int64_t> min_fill;
  /// The largest fall of the fill below its highest level before, in that
  /// window: what the FIFO had to give while the source lagged.
  std::int64_t deepest_drain = 0;
  int fifo_empty_count = 0; ///< samples that saw the FIFO turn empty in that window
  /// Times the drive was due to take data and had none while the FIFO was
  /// dry too (under 256 KiB within 50 ms): what a larger FIFO prevents.
  int underruns = 0;
  /// Times the drive had no data although the FIFO held plenty: libburn's
  /// writer thread was not scheduled in time (a busy host). A real drive's
  /// larger buffer usually absorbs these; --drive-buffer models it.
  int drive_stalls = 0;
  Seconds longest_underrun{}; ///< of the underruns (not the drive stalls)
  Seconds underrun_time{};
  /// An estimate of the smallest FIFO with no underrun: the measured
  /// deficit (the deepest drain plus what the drive missed in the longest
  /// underrun, nominal rate × its length) plus a quarter for margin,
  /// rounded up to 64 KiB. Rerun with it to confirm.
  std::int64_t needed_fifo = 0;
  /// Whether the image was at least 3 times the FIFO: a smaller one passes
  /// into the FIFO whole and never tests it.
  bool judged = false;
  std::int64_t default_fifo = 0; ///< the store's default for this speed
  /// needed_fifo when judged; otherwise never below the FIFO of the run
  /// nor the default. verdict() says when it is below the default.
  std::int64_t recommended_fifo = 0;
  Seconds duration{};
  Seconds source_waited{};
};

/// `default_fifo` is the FIFO the store would use at this speed.
FifoSummary summarize(const std::vector<ThrottledSample>& samples,
                      const ThrottledWriteResult& result, double nominal_rate,
                      std::int64_t default_fifo);

/// One sentence for people: the FIFO to use, or why this run cannot judge.
std::string verdict(const FifoSummary& summary);

/// "seconds,written_bytes,fifo_fill_bytes,fifo_size_bytes,fifo_input_open,drive_buffer_bytes"
/// and one line per sample.
std::string samples_csv(const std::vector<ThrottledSample>& samples);

/// Summary lines "key: value" for people and scripts.
std::string summary_text(const FifoSummary& summary);

/// The FIFO fill (MiB) over time (s) as a standalone SVG document: the fill
/// as a polyline, the FIFO size dashed, the minimum fill dotted, underruns
/// as red bands and drive stalls as orange ones, axes with ticks and
/// labels, a legend naming every kind of mark below, `title` on top.
std::string fifo_svg(const std::vector<ThrottledSample>& samples, const FifoSummary& summary,
                     const std::vector<Underrun>& underruns, const std::string& title);

} // namespace cback::bench_burn
