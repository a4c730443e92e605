#include <cback/extend/staged_files.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>

#include <algorithm>
#include <fmt/format.h>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

// Subdirectories of `dir` that are real directories (not symlinks).
std::vector<fs::path> real_subdirs(const fs::path& dir) {
  std::vector<fs::path> result;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory() && !entry.is_symlink()) {
      result.push_back(entry.path());
    }
  }
  std::sort(result.begin(), result.end());
  return result;
}

} // namespace

std::vector<fs::path> unprocessed_daily_dirs(const fs::path& staging_dir,
                                             std::string_view indicator, core::Logger& log) {
  std::error_code error;
  if (!fs::is_directory(staging_dir, error)) {
    throw Error(ExitCode::action,
                fmt::format("Staging directory [{}] does not exist.", staging_dir.string()));
  }
  std::vector<fs::path> result;
  try {
    for (const auto& year : real_subdirs(staging_dir)) {
      for (const auto& month : real_subdirs(year)) {
        for (const auto& day : real_subdirs(month)) {
          if (fs::exists(day / indicator)) {
            log.debug("Skipping directory [{}]; contains {}.", day.string(), indicator);
          } else {
            result.push_back(day);
          }
        }
      }
    }
  } catch (const fs::filesystem_error& e) {
    throw Error(ExitCode::action, fmt::format("Cannot list staging directory [{}]: {}",
                                              staging_dir.string(), e.code().message()));
  }
  return result;
}

bool is_indicator(std::string_view file_name) {
  return file_name.starts_with("cback.");
}

std::vector<fs::path> staged_files(const fs::path& daily_dir) {
  std::vector<fs::path> result;
  try {
    for (const auto& entry : fs::recursive_directory_iterator(daily_dir)) {
      if (entry.is_regular_file() && !entry.is_symlink() &&
          !is_indicator(entry.path().filename().string())) {
        result.push_back(entry.path());
      }
    }
  } catch (const fs::filesystem_error& e) {
    throw Error(ExitCode::action, fmt::format("Cannot list staged files in [{}]: {}",
                                              daily_dir.string(), e.code().message()));
  }
  std::sort(result.begin(), result.end());
  return result;
}

} // namespace cback::extend
