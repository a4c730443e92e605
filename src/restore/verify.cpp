#include <cback/restore/commands.hpp>

#include <cback/core/error.hpp>
#include <cback/restore/archive_reader.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace cback::restore {
namespace {

// Files the manifest lists that the day's directory does not hold.
std::vector<std::string> missing_files(const Source& source, const PeerDay& day) {
  std::vector<std::string> missing;
  if (!day.manifest) {
    return missing;
  }
  const auto entries = source.list(day.dir);
  std::vector<collect::ManifestArchive> files = day.manifest->archives;
  files.insert(files.end(), day.manifest->indexes.begin(), day.manifest->indexes.end());
  for (const auto& listed : files) {
    const bool there = std::any_of(entries.begin(), entries.end(), [&](const auto& entry) {
      return entry.kind == SourceEntryKind::file && entry.name == listed.name;
    });
    if (!there) {
      missing.push_back(
          fmt::format("[{}/{}] is listed in the manifest but missing.", day.dir, listed.name));
    }
  }
  return missing;
}

// The archive against the manifest, then read to its end.
std::optional<std::string> damage_of(History& history, const CatalogArchive& archive) {
  try {
    history.check(archive, DiscMd5::check);
    const auto file = history.source().open(archive.path);
    ArchiveReader reader(file_stream(*file), archive.path);
    reader.list();
    return std::nullopt;
  } catch (const Error& error) {
    return error.what();
  }
}

} // namespace

VerifyReport verify(History& history, std::optional<Day> date, const core::StopFlag& stop,
                    std::ostream& out) {
  VerifyReport report;
  for (const auto& day : history.days()) {
    if (date && day.day != *date) {
      continue;
    }
    if (!day.manifest_error.empty()) {
      report.damaged.push_back(
          fmt::format("The manifest of [{}] is unreadable: {}", day.dir, day.manifest_error));
      out << fmt::format("DAMAGED  {}/{}\n", day.dir, collect::k_manifest_file_name);
    }
    for (auto& missing : missing_files(history.source(), day)) {
      out << fmt::format("MISSING  {}\n", missing);
      report.damaged.push_back(std::move(missing));
    }
    for (const auto& archive : day.archives) {
      stop.check();
      ++report.checked;
      if (auto damage = damage_of(history, archive)) {
        out << fmt::format("DAMAGED  {}: {}\n", archive.path, *damage);
        report.damaged.push_back(std::move(*damage));
      } else {
        const bool md5 = history.source().recorded_md5(archive.path).has_value();
        out << fmt::format("ok       {}{}{}\n", archive.path,
                           archive.listed ? "" : " (no manifest lists it: read to its end only)",
                           md5 ? " (and its MD5 on the disc)" : "");
      }
    }
  }
  out << fmt::format("{} archive{} checked, {} damaged.\n", report.checked,
                     report.checked == 1 ? "" : "s", report.damaged.size());
  return report;
}

} // namespace cback::restore
