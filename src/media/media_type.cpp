#include <cback/media/media_type.hpp>

#include <algorithm>
#include <array>

namespace cback::media {
namespace {

constexpr std::int64_t k_cd74 = 332'800 * k_sector;
constexpr std::int64_t k_cd80 = 358'400 * k_sector;
// 4.4 GiB, the original's DVD capacity (2 306 867.2 sectors).
constexpr std::int64_t k_dvd = 4'724'464'025;
constexpr std::int64_t k_bd = 12'219'392 * k_sector;

using config::MediaType;

// Indexed by MediaType. Default speeds are common drive/media ratings: a
// lower guess only makes the default FIFO smaller.
constexpr std::array<MediaTraits, 10> k_traits{{
    {"cdr-74", Family::cd, k_cd74, false, 24},
    {"cdrw-74", Family::cd, k_cd74, true, 10},
    {"cdr-80", Family::cd, k_cd80, false, 24},
    {"cdrw-80", Family::cd, k_cd80, true, 10},
    {"dvd+r", Family::dvd, k_dvd, false, 16},
    {"dvd+rw", Family::dvd, k_dvd, true, 8},
    {"dvd-r", Family::dvd, k_dvd, false, 16},
    {"dvd-rw", Family::dvd, k_dvd, true, 6},
    {"bd-r", Family::bd, k_bd, false, 6},
    {"bd-re", Family::bd, k_bd, true, 2},
}};

static_assert(static_cast<std::size_t>(MediaType::bd_re) + 1 == k_traits.size());
static_assert(static_cast<int>(MediaType::cdrw_74) == 1 &&
              static_cast<int>(MediaType::cdr_80) == 2);

} // namespace

const MediaTraits& traits(config::MediaType type) {
  return k_traits.at(static_cast<std::size_t>(type));
}

int kbytes_per_second_at_1x(Family family) {
  switch (family) {
  case Family::cd:
    return 177;
  case Family::dvd:
    return 1385;
  case Family::bd:
    return 4496;
  }
  return 177;
}

std::int64_t session_overhead_sectors(Family family, bool first_session) {
  if (family != Family::cd) {
    return 0;
  }
  return first_session ? 11'400 : 6'900;
}

std::int64_t default_fifo_size(config::MediaType type, std::optional<int> drive_speed) {
  constexpr std::int64_t k_mib = 1024 * 1024;
  constexpr std::int64_t k_seconds = 10;
  const MediaTraits& media = traits(type);
  const std::int64_t speed = drive_speed.value_or(media.default_speed);
  const std::int64_t bytes = speed * kbytes_per_second_at_1x(media.family) * 1000 * k_seconds;
  const std::int64_t rounded = (bytes + k_mib - 1) / k_mib * k_mib;
  return std::clamp(rounded, 4 * k_mib, 1024 * k_mib);
}

} // namespace cback::media
