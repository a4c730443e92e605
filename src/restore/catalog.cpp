#include <cback/restore/catalog.hpp>

#include <cback/collect/content_index.hpp>
#include <cback/core/error.hpp>
#include <cback/core/field_escape.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace cback::restore {
namespace {

constexpr std::uint64_t k_manifest_limit = 256ULL << 20;

std::optional<unsigned> number_of(std::string_view text, std::size_t digits) {
  if (text.size() != digits) {
    return std::nullopt;
  }
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string> directories(const Source& source, const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : source.list(dir)) {
    if (entry.kind == SourceEntryKind::directory) {
      names.push_back(entry.name);
    }
  }
  return names;
}

// The days of the source: YYYY/MM/DD directories holding real dates.
std::vector<std::pair<Day, std::string>> days_of(const Source& source) {
  std::vector<std::pair<Day, std::string>> days;
  for (const auto& year : directories(source, "")) {
    const auto y = number_of(year, 4);
    if (!y) {
      continue;
    }
    for (const auto& month : directories(source, year)) {
      const auto m = number_of(month, 2);
      if (!m) {
        continue;
      }
      const std::string month_dir = year + "/" + month;
      for (const auto& day : directories(source, month_dir)) {
        const auto d = number_of(day, 2);
        const Day date{std::chrono::year(static_cast<int>(*y)), std::chrono::month(*m),
                       std::chrono::day(d.value_or(0))};
        if (d && date.ok()) {
          days.emplace_back(date, month_dir + "/" + day);
        }
      }
    }
  }
  return days;
}

void read_manifest(const Source& source, PeerDay& peer_day) {
  const std::string path = peer_day.dir + "/" + std::string(collect::k_manifest_file_name);
  auto decoded = collect::decode_manifest(read_small_file(source, path, k_manifest_limit));
  if (decoded) {
    peer_day.manifest = std::move(*decoded);
  } else {
    peer_day.manifest_error = fmt::format("{}: {}", path, decoded.error());
  }
}

const collect::ManifestArchive* listed_in(const std::vector<collect::ManifestArchive>& files,
                                          std::string_view name) {
  const auto found =
      std::find_if(files.begin(), files.end(), [&](const auto& file) { return file.name == name; });
  return found == files.end() ? nullptr : &*found;
}

// Not cback's own files: indicators and the manifest (cback.*), content
// indexes, files a stage or collect left unfinished.
bool is_output(std::string_view name) {
  return !name.starts_with("cback.") && !name.ends_with(collect::k_content_index_suffix) &&
         !name.ends_with(".partial");
}

PeerDay read_peer_day(const Source& source, Day day, const std::string& dir,
                      const std::string& peer) {
  PeerDay peer_day{day, peer, dir + "/" + peer, {}, {}, {}, {}};
  const auto entries = source.list(peer_day.dir);
  const auto has = [&](std::string_view name) {
    return std::any_of(entries.begin(), entries.end(), [&](const auto& entry) {
      return entry.kind == SourceEntryKind::file && entry.name == name;
    });
  };
  if (has(collect::k_manifest_file_name)) {
    read_manifest(source, peer_day);
  }
  const bool has_manifest = peer_day.manifest.has_value() || !peer_day.manifest_error.empty();
  for (const auto& entry : entries) {
    const auto mode = archive_mode_of(entry.name);
    if (entry.kind == SourceEntryKind::file && !mode && is_output(entry.name)) {
      peer_day.outputs.push_back({entry.name, peer_day.dir + "/" + entry.name, entry.size});
    }
    if (entry.kind != SourceEntryKind::file || !mode) {
      continue;
    }
    const auto* listed =
        peer_day.manifest ? listed_in(peer_day.manifest->archives, entry.name) : nullptr;
    if (has_manifest && !listed) {
      continue; // an older archive left in collect_dir, not this day's
    }
    CatalogArchive archive;
    archive.name = entry.name;
    archive.path = peer_day.dir + "/" + entry.name;
    archive.key = entry.name.ends_with(".tgz") ? entry.name.substr(0, entry.name.size() - 4)
                                               : entry.name.substr(0, entry.name.rfind(".tar"));
    archive.mode = *mode;
    archive.size = entry.size;
    if (listed) {
      archive.listed = *listed;
    }
    // With a manifest, only the index it lists is this archive's: an
    // index left from another day would describe another archive.
    const std::string index_name = entry.name + std::string(collect::k_content_index_suffix);
    const auto* index_listed =
        peer_day.manifest ? listed_in(peer_day.manifest->indexes, index_name) : nullptr;
    if (has(index_name) && (index_listed != nullptr || !has_manifest)) {
      archive.index_path = peer_day.dir + "/" + index_name;
      if (index_listed != nullptr) {
        archive.index_listed = *index_listed;
      }
    }
    peer_day.archives.push_back(std::move(archive));
  }
  return peer_day;
}

} // namespace

std::string day_text(Day day) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(day.year()),
                     static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

std::optional<config::ArchiveMode> archive_mode_of(std::string_view name) {
  using config::ArchiveMode;
  const std::pair<std::string_view, ArchiveMode> suffixes[] = {
      {".tar", ArchiveMode::tar},        {".tar.gz", ArchiveMode::targz},
      {".tgz", ArchiveMode::targz},      {".tar.bz2", ArchiveMode::tarbz2},
      {".tar.zst", ArchiveMode::tarzst},
  };
  for (const auto& [suffix, mode] : suffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      return mode;
    }
  }
  return std::nullopt;
}

std::vector<PeerDay> read_catalog(const Source& source) {
  std::vector<PeerDay> catalog;
  for (const auto& [day, dir] : days_of(source)) {
    for (const auto& peer : directories(source, dir)) {
      catalog.push_back(read_peer_day(source, day, dir, peer));
    }
  }
  return catalog;
}

std::string read_small_file(const Source& source, const std::string& path, std::uint64_t limit) {
  const auto file = source.open(path);
  if (file->size() > limit) {
    throw Error(ExitCode::action, fmt::format("[{}] of the {} is {} bytes, more than a {} can be.",
                                              core::escape_field(path), source.describe(),
                                              file->size(), path.substr(path.rfind('/') + 1)));
  }
  return read_part(*file, 0, static_cast<std::size_t>(file->size()));
}

std::string read_part(SourceFile& file, std::uint64_t offset, std::size_t size) {
  std::string text(size, '\0');
  std::size_t filled = 0;
  while (filled < size) {
    const auto got = file.read_at(
        offset + filled, std::as_writable_bytes(std::span(text.data() + filled, size - filled)));
    if (got == 0) {
      break;
    }
    filled += got;
  }
  text.resize(filled);
  return text;
}

} // namespace cback::restore
