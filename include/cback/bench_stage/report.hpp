#pragma once

// What cback-bench stage makes of its measurements: the settings to
// recommend, the summary for people and scripts, the points as CSV and the
// rate against requests in flight as an SVG plot.

#include <cback/bench_stage/measure.hpp>

#include <string>

namespace cback::bench_stage {

/// Within this share of the best rate, a setting counts as fast as the best:
/// rounds on a shared host or link differ by more than a few per cent.
inline constexpr double k_close_to_best = 0.9;

struct Recommendation {
  SftpPoint point;        ///< the settings to use
  double rate = 0.0;      ///< bytes per second it reached
  double best_rate = 0.0; ///< of the fastest point: the link as stage sees it
  std::uint64_t bdp = 0;  ///< best_rate × round trip: bytes the link holds in flight
  /// The best rate came at the most requests in flight tried, and fewer
  /// were clearly slower: more might be faster still.
  bool still_rising = false;
};

/// Of the points within k_close_to_best of the best rate, the one with the
/// fewest bytes in flight (requests × size), the larger request size on a
/// tie: as fast as the link allows, with the least the server must hold.
/// Contract: bench.points is not empty.
Recommendation recommend(const BenchResult& bench);

/// One sentence for people: the settings and why.
std::string verdict(const Recommendation& recommendation);

/// "requests_in_flight,request_size_bytes,bytes,seconds,bytes_per_second"
/// and one line per point.
std::string points_csv(const BenchResult& bench);

/// Summary lines "key: value".
std::string summary_text(const BenchResult& bench, const Recommendation& recommendation);

/// The rate (MiB/s) against requests in flight (a log2 axis) as a
/// standalone SVG document: a line per request size, the recommended point
/// ringed, a legend naming every mark, `title` on top.
std::string rate_svg(const BenchResult& bench, const Recommendation& recommendation,
                     const std::string& title);

/// "Stage over SFTP: peer NAME, RTT 0.4 ms, 64 MiB per setting".
std::string default_title(const BenchResult& bench);

} // namespace cback::bench_stage
