#pragma once

// File ages for the purge tests: atime and mtime set to a moment minus a
// number of seconds.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>

namespace cback::test {

inline constexpr std::int64_t k_day_seconds = 86'400;

/// Seconds since the epoch, now.
inline std::int64_t seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Sets the atime and mtime of `path` (a link itself, not its target) to
/// `now` (seconds since the epoch) minus the given ages in seconds.
inline void set_ages(const std::filesystem::path& path, std::int64_t atime_age,
                     std::int64_t mtime_age, std::int64_t now = seconds_now()) {
  const timespec times[2] = {{now - atime_age, 0}, {now - mtime_age, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

} // namespace cback::test
