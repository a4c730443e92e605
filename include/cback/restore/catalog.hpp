#pragma once

// What a source holds: its days ("YYYY/MM/DD"), each day's peers, and for
// each peer its manifest (docs/manifest.md) and archives. A day written by
// the original Cedar Backup has no manifest: every archive in its peer
// directory is that day's. With a manifest, only the archives it lists are
// (collect leaves an unchanged incremental item's older archive in
// collect_dir, and stage copies it again: it is not that day's).

#include <cback/collect/manifest.hpp>
#include <cback/config/model.hpp>
#include <cback/restore/source.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cback::restore {

using Day = std::chrono::year_month_day;

struct CatalogArchive {
  std::string name; ///< file name: "etc.tar.gz"
  std::string path; ///< in the source: "2026/12/01/host1/etc.tar.gz"
  std::string key;  ///< the name without its extension: the item it belongs to
  config::ArchiveMode mode = config::ArchiveMode::tar;
  std::uint64_t size = 0;                         ///< as found in the source
  std::optional<collect::ManifestArchive> listed; ///< the manifest's size and SHA-256
  std::optional<std::string> index_path;          ///< "<path>.index" when there is one
  std::optional<collect::ManifestArchive> index_listed;
};

/// A file of a peer's day that is neither an archive nor one of cback's
/// own (manifest, indicators, indexes): an extension's output, such as a
/// database dump. A restore finds and extracts it at the root, by its name
/// ("/mysqldump-shop.txt.gz").
struct CatalogOutput {
  std::string name;
  std::string path; ///< in the source
  std::uint64_t size = 0;
};

struct PeerDay {
  Day day{};
  std::string peer;
  std::string dir; ///< "2026/12/01/host1"
  std::optional<collect::Manifest> manifest;
  std::string manifest_error;           ///< why a manifest that is there could not be read
  std::vector<CatalogArchive> archives; ///< sorted by name
  std::vector<CatalogOutput> outputs;   ///< sorted by name
};

/// "YYYY-MM-DD".
std::string day_text(Day day);

/// The archive mode of a file name by its extension (.tar, .tar.gz or
/// .tgz, .tar.bz2, .tar.zst); nothing for other files.
std::optional<config::ArchiveMode> archive_mode_of(std::string_view name);

/// Every day and peer of the source, by day then peer. Directories that are
/// not laid out as days (other names, links) are passed over. Throws
/// cback::Error when the source cannot be read.
std::vector<PeerDay> read_catalog(const Source& source);

/// The whole of a small file of the source (a manifest, an index), refused
/// past `limit` bytes. Throws cback::Error naming it.
std::string read_small_file(const Source& source, const std::string& path, std::uint64_t limit);
/// `size` bytes of `file` from `offset`, fewer only where the file ends.
/// Throws cback::Error naming the file on an I/O error.
std::string read_part(SourceFile& file, std::uint64_t offset, std::size_t size);

} // namespace cback::restore
