#pragma once

// The units of cback-bench burn's command line: a nominal speed ("dvd:16",
// "cd:52", "bd:4", "1385000", "20M"), a size ("64M", "1G", "65536") and a
// stall ("200ms/1s"). Each parser throws cback::Error(ExitCode::usage)
// naming the text it could not read.

#include <cback/bench_burn/throttle.hpp>

#include <cstdint>
#include <string_view>

namespace cback::bench_burn {

/// Bytes per second of a speed: FAMILY:FACTOR uses libburn's 1x of the
/// family (CD 177 000, DVD 1 385 000, BD 4 496 000 bytes/s, as libburn
/// counts: 1 kB = 1000 bytes); otherwise a size per second.
double parse_speed(std::string_view text);

/// Bytes of a size: a number with an optional K, M, G suffix (powers of
/// 1024; "k", "KiB" and "KB" mean the same).
std::int64_t parse_size(std::string_view text);

/// A duration: a number with ms or s ("200ms", "1s", "1.5s").
std::chrono::milliseconds parse_duration(std::string_view text);

/// PAUSE/PERIOD: the source stalls PAUSE at the end of every PERIOD.
/// PAUSE must be shorter than PERIOD.
Stall parse_stall(std::string_view text);

} // namespace cback::bench_burn
