#pragma once

// Shared by the ownership and outputs tests: a temp dir whose logger writes
// to cback.log in it and to a captured screen, and lstat of a path.

#include <cback/core/log.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <sys/stat.h>

namespace cback::test {

struct LoggedDir {
  TempDir dir;
  std::ostringstream screen;
  core::Logger log;

  LoggedDir() {
    core::LogSettings settings;
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

} // namespace cback::test
