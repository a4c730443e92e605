#pragma once

// The versions of every path a source holds: each archive's entries (from
// its content index when it has one, else read from the archive itself),
// which archives are full and which incremental, and the tree of a peer as
// it was at the end of a day (plan.hpp), as the entries that make it up.

#include <cback/collect/content_index.hpp>
#include <cback/config/model.hpp>
#include <cback/restore/catalog.hpp>
#include <cback/restore/plan.hpp>
#include <cback/restore/source.hpp>

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace cback::restore {

/// One entry of one archive.
struct Pick {
  const PeerDay* day = nullptr;
  const CatalogArchive* archive = nullptr; ///< nullptr for an extension's output
  std::size_t entry = 0;                   ///< its place in the archive's entries
  const CatalogOutput* output = nullptr;   ///< an extension's output, at the root
};

/// A tree as member names ("etc/hosts") and where each comes from.
using Tree = std::map<std::string, Pick>;

/// Whether a check also compares a file with the MD5 its disc recorded.
enum class DiscMd5 { ignore, check };

class History {
public:
  /// Reads the source's catalog. The configuration tells which items are
  /// daily and which incremental when an archive has no index.
  History(const Source& source, const config::Config& config);

  [[nodiscard]] const Source& source() const noexcept { return m_source; }
  [[nodiscard]] const std::vector<PeerDay>& days() const noexcept { return m_days; }
  [[nodiscard]] std::chrono::weekday starting_day() const { return starting_day_of(m_config); }

  /// The archive's entries in archive order, all of them, as runs (an
  /// index's blocks). Throws cback::Error naming a damaged archive or index.
  std::vector<std::span<const collect::IndexEntry>> entries(const CatalogArchive& archive);
  /// The entry at `place` of the archive (< entry_count), decoding only the
  /// block of the index that holds it.
  const collect::IndexEntry& entry(const CatalogArchive& archive, std::size_t place);
  std::size_t entry_count(const CatalogArchive& archive);
  /// The archive's content index, when it has one (checked against the
  /// manifest the first time): its header and frames (its entries are
  /// entries()' and entry()'s). Throws cback::Error naming a damaged index.
  const collect::ContentIndex* index(const CatalogArchive& archive);
  VersionKind kind_of(const PeerDay& day, const CatalogArchive& archive);

  /// The tree of `peer` at the end of `date`: the members at or below one
  /// of `wanted` (member names, "" for the whole tree). Only these are put
  /// in the map, so that one file of a 100 000-entry archive costs a scan of
  /// the entries and not a tree of them.
  Tree tree_at(Day date, const std::string& peer, const std::vector<std::string>& wanted = {""});

  /// Checks the archive (and its index) against the manifest's size and
  /// SHA-256 once; a mismatch is cback::Error naming it. An archive no
  /// manifest lists has nothing to be checked against. With DiscMd5::check
  /// each is also checked, in the same read, against the MD5 the source
  /// recorded for it (a disc the store wrote), when it has one.
  void check(const CatalogArchive& archive, DiscMd5 disc = DiscMd5::ignore);
  /// Checks only the archive's size against the manifest: for reading a few
  /// frames of it, whose zstd checksums prove what is read.
  void check_size(const CatalogArchive& archive) const;

private:
  /// An archive's entries: its index's (directory names without their
  /// final '/'), or, without an index, as read from the archive.
  struct Listing {
    std::vector<collect::IndexEntry> entries; ///< without an index only
    std::unique_ptr<collect::PartialIndex> index;
  };
  Listing& listing(const CatalogArchive& archive);
  std::unique_ptr<collect::PartialIndex> load_index(const CatalogArchive& archive);
  tl::expected<collect::PartialIndex, std::string>
  open_whole_index(const std::string& path, const collect::ManifestArchive* listed);
  tl::expected<collect::PartialIndex, std::string>
  open_index_head(const std::string& path, const collect::ManifestArchive& listed);
  /// The places of the entries of the archive that can be at or below one
  /// of `wanted`, their index blocks decoded.
  collect::PartialIndex::Places places_below(const CatalogArchive& archive,
                                             const std::vector<std::string>& wanted);
  void replay(const std::string& key, const std::vector<const PeerDay*>& days, Day date,
              const std::vector<std::string>& wanted, Tree& tree);

  const Source& m_source;
  const config::Config& m_config;
  std::vector<PeerDay> m_days;
  std::map<std::string, Listing> m_listings; ///< by archive path
  std::map<std::string, bool> m_checked;     ///< by archive path
};

/// The member name of an absolute path: "/etc/hosts" gives "etc/hosts",
/// "/" gives "".
std::string member_of(std::string_view abs_path);

/// Whether `member` is `wanted` or below it ("" is the whole tree).
bool at_or_below(std::string_view member, std::string_view wanted);

/// Checks a file of the source against a size and SHA-256 (when
/// `expected` is given) and against the MD5 the source recorded for it
/// (with DiscMd5::check, when there is one), reading it once to its end.
/// Throws cback::Error naming it on a mismatch.
void check_file(const Source& source, const std::string& path,
                const collect::ManifestArchive* expected, DiscMd5 disc = DiscMd5::ignore);

} // namespace cback::restore
