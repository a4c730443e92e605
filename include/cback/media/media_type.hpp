#pragma once

// What cback knows of each configured media type (docs/compatibility.md, "Media capacities"):
// its capacity, whether it can be rewritten, its family (for the speed
// unit and the session overhead) and the speed a writer runs at when
// drive_speed is not set.

#include <cback/config/model.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace cback::media {

enum class Family { cd, dvd, bd };

struct MediaTraits {
  std::string_view name; ///< as in the configuration: "cdrw-74"
  Family family = Family::cd;
  std::int64_t capacity = 0; ///< bytes of the whole medium
  bool rewritable = false;
  int default_speed = 1; ///< the "x" factor assumed when drive_speed is unset
};

inline constexpr std::int64_t k_sector = 2048;

/// The traits of `type`. Capacities: 74-minute CD 332 800 sectors, 80-minute
/// CD 358 400, DVD 4.4 GiB (the original's figure, for every DVD type), BD
/// 25 GB single layer (12 219 392 sectors).
const MediaTraits& traits(config::MediaType type);

/// kB/s (1000 bytes) of speed 1x: CD 176.4 (rounded up), DVD 1385, BD 4496 —
/// libburn's units for burn_drive_set_speed.
int kbytes_per_second_at_1x(Family family);

/// Sectors a session costs besides its image: the CD lead-in/lead-out,
/// 11 400 sectors for the first session and 6 900 for each later one
/// (docs/compatibility.md, "Media capacities"); 0 on DVD and BD.
std::int64_t session_overhead_sectors(Family family, bool first_session);

/// The FIFO size when store.fifo_size is unset: about ten seconds of data at
/// the nominal write speed (drive_speed, or the type's default speed),
/// rounded up to a MiB and kept between 4 MiB and 1 GiB (libisoburn's
/// maximum).
std::int64_t default_fifo_size(config::MediaType type, std::optional<int> drive_speed);

} // namespace cback::media
