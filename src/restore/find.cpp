#include <cback/restore/commands.hpp>

#include <cback/core/error.hpp>
#include <cback/core/field_escape.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <ostream>
#include <span>
#include <vector>

namespace cback::restore {
namespace {

std::string_view type_text(collect::IndexEntryType type) {
  switch (type) {
  case collect::IndexEntryType::file:
    return "file";
  case collect::IndexEntryType::directory:
    return "dir";
  case collect::IndexEntryType::symlink:
    return "symlink";
  case collect::IndexEntryType::hardlink:
    return "hardlink";
  case collect::IndexEntryType::other:
    break;
  }
  return "other";
}

std::string time_text(std::int64_t seconds) {
  const std::time_t time = seconds;
  std::tm tm{};
  ::localtime_r(&time, &tm);
  return fmt::format("{:%Y-%m-%d %H:%M:%S}", tm);
}

bool wanted(const FindRequest& request, const PeerDay& day) {
  return (!request.peer || *request.peer == day.peer) &&
         (!request.since || day.day >= *request.since) &&
         (!request.until || day.day <= *request.until);
}

bool matches(const FindRequest& request, std::string_view path) {
  return std::any_of(request.patterns.begin(), request.patterns.end(),
                     [&](const PathPattern& pattern) { return pattern.matches(path); });
}

} // namespace

FindResult find_versions(History& history, const FindRequest& request, std::ostream& out) {
  FindResult result;
  std::size_t& lines = result.lines;
  for (const auto& day : history.days()) {
    if (!wanted(request, day)) {
      continue;
    }
    if (day.manifest) {
      for (const auto& record : day.manifest->deleted) {
        if (matches(request, record.path)) {
          out << fmt::format("{}  {}  {}  deleted  {}\n", day_text(day.day), day.peer,
                             core::escape_field(record.item), core::escape_field(record.path));
          ++lines;
        }
      }
    }
    for (const auto& output : day.outputs) {
      const std::string path = "/" + output.name;
      if (matches(request, path)) {
        out << fmt::format("{}  {}  -  output  {}  -  -  {}\n", day_text(day.day), day.peer,
                           output.size, core::escape_field(path));
        ++lines;
      }
    }
    for (const auto& archive : day.archives) {
      std::vector<std::span<const collect::IndexEntry>> runs;
      try {
        runs = history.entries(archive);
      } catch (const Error& error) {
        // One damaged archive does not hide the versions in the others.
        result.damaged.emplace_back(error.what());
        continue;
      }
      std::string path; // one buffer for every entry's absolute path
      for (const auto& run : runs) {
        for (const auto& entry : run) {
          path.assign("/").append(entry.path);
          if (!matches(request, path)) {
            continue;
          }
          out << fmt::format("{}  {}  {}  {}  {}  {:04o}  {}  {}\n", day_text(day.day), day.peer,
                             archive.name, type_text(entry.type), entry.size, entry.mode,
                             time_text(entry.mtime), core::escape_field(path));
          ++lines;
        }
      }
    }
  }
  return result;
}

} // namespace cback::restore
