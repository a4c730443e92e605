#pragma once

// A temp dir whose logger writes to cback.log in it and to a captured
// screen, and lstat of a path.

#include <cback/core/log.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::test {

struct LoggedDir {
  /// A file of root's, dir/elsewhere/NAME holding `content`: what a
  /// planted link or a second hard link aims at.
  [[nodiscard]] std::filesystem::path root_victim(const std::string& name,
                                                  const std::string& content) const {
    const auto victim = dir.write("elsewhere/" + name, content);
    REQUIRE(::chown(victim.c_str(), 0, 0) == 0);
    return victim;
  }

  /// The logfile in dir.
  [[nodiscard]] std::filesystem::path logfile() const { return dir / "cback.log"; }

  TempDir dir;
  std::ostringstream screen;
  core::Logger log;

  /// `settings` as for the run (verbose, debug...); the logfile and the
  /// screen are the fixture's.
  explicit LoggedDir(core::LogSettings settings = {}) {
    settings.logfile = dir / "cback.log";
    settings.screen = &screen;
    log.configure(settings);
  }
};

/// lstat of `path` (a link is described, not followed); REQUIREs success.
inline struct stat stat_of(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  return info;
}

/// True when root owns `path` (user and group).
inline bool owned_by_root(const std::filesystem::path& path) {
  const struct stat info = stat_of(path);
  return info.st_uid == 0 && info.st_gid == 0;
}

} // namespace cback::test
