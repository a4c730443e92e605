#pragma once

// Helpers shared by the collect tests: build trees and show listings as
// short relative strings ("sub/" a directory, "link@" a symlink).

#include <cback/collect/walker.hpp>

#include "support/temp_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace cback::test {

inline void make_dir(const std::filesystem::path& path) {
  std::filesystem::create_directories(path);
}

inline void make_link(const std::string& target, const std::filesystem::path& link) {
  std::filesystem::create_directories(link.parent_path());
  if (::symlink(target.c_str(), link.c_str()) != 0) {
    throw std::runtime_error("symlink failed: " + link.string());
  }
}

/// Entries as paths relative to `base`, marked by kind, in listing order.
inline std::vector<std::string> shown(const std::vector<collect::Entry>& entries,
                                      const std::filesystem::path& base) {
  const std::string prefix = base.string() + "/";
  std::vector<std::string> out;
  for (const auto& entry : entries) {
    std::string path =
        entry.path.starts_with(prefix) ? entry.path.substr(prefix.size()) : entry.path;
    if (entry.kind == collect::EntryKind::directory) {
      path += "/";
    } else if (entry.kind == collect::EntryKind::symlink) {
      path += "@";
    }
    out.push_back(path);
  }
  return out;
}

} // namespace cback::test
