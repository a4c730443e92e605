#include <cback/restore/history.hpp>

#include <cback/collect/naming.hpp>
#include <cback/core/digest.hpp>
#include <cback/core/error.hpp>
#include <cback/core/field_escape.hpp>
#include <cback/media/md5.hpp>
#include <cback/restore/archive_reader.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

namespace cback::restore {
namespace {

// Removes `member` and everything below it.
void erase_below(Tree& tree, const std::string& member) {
  if (member.empty()) {
    tree.clear();
    return;
  }
  tree.erase(member);
  const std::string prefix = member + "/";
  auto it = tree.lower_bound(prefix);
  while (it != tree.end() && it->first.starts_with(prefix)) {
    it = tree.erase(it);
  }
}

} // namespace

std::string member_of(std::string_view abs_path) {
  const auto start = abs_path.find_first_not_of('/');
  std::string member(start == std::string_view::npos ? "" : abs_path.substr(start));
  while (member.ends_with('/')) {
    member.pop_back();
  }
  return member;
}

bool at_or_below(std::string_view member, std::string_view wanted) {
  return wanted.empty() || member == wanted ||
         (member.size() > wanted.size() && member.starts_with(wanted) &&
          member[wanted.size()] == '/');
}

namespace {

bool wanted_member(std::string_view member, const std::vector<std::string>& wanted) {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& one) { return at_or_below(member, one); });
}

// An index lists every entry in a line of its own: a few hundred bytes
// each, so this is tens of millions of entries.
constexpr std::uint64_t k_index_limit = 4ULL << 30;

// A file read in order and hashed on the way; the archive reader reads it
// through a stream() that borrows it, so that the file is still hashed to
// its end when the reader gave up on a damaged archive.
class HashedFile {
public:
  explicit HashedFile(SourceFile& file, DiscMd5 md5 = DiscMd5::ignore) : m_file(file) {
    if (md5 == DiscMd5::check) {
      m_md5.emplace();
    }
  }
  std::size_t read(std::span<std::byte> out) {
    const std::size_t got = m_file.read_at(m_offset, out);
    m_hash.update(out.data(), got);
    if (m_md5) {
      m_md5->add(out.data(), got);
    }
    m_offset += got;
    return got;
  }
  std::unique_ptr<ByteStream> stream() {
    struct Borrowed final : ByteStream {
      explicit Borrowed(HashedFile& hashed) : file(hashed) {}
      std::size_t read(std::span<std::byte> out) override { return file.read(out); }
      HashedFile& file;
    };
    return std::make_unique<Borrowed>(*this);
  }
  /// Reads what is left (the padding after the end of an archive) and gives
  /// the digest of the whole file.
  core::Digest finish() {
    std::vector<std::byte> block(1 << 20);
    while (read(block) != 0) {
    }
    return m_hash.finish();
  }
  /// The MD5 of the whole file, after finish(), when it was asked for.
  std::optional<media::Md5> md5() { return m_md5 ? std::optional(m_md5->finish()) : std::nullopt; }

private:
  SourceFile& m_file;
  std::uint64_t m_offset = 0;
  core::Sha256 m_hash;
  std::optional<media::Md5Context> m_md5;
};

void check_file_size(const std::string& path, std::uint64_t size,
                     const collect::ManifestArchive& expected) {
  if (size != expected.size) {
    throw Error(ExitCode::action,
                fmt::format("The archive [{}] is damaged: {} bytes, the manifest says {}.", path,
                            size, expected.size));
  }
}

[[noreturn]] void digest_mismatch(const std::string& path) {
  throw Error(ExitCode::action,
              fmt::format("The archive [{}] is damaged: its SHA-256 is not the manifest's.", path));
}

} // namespace

void check_file(const Source& source, const std::string& path,
                const collect::ManifestArchive* expected, DiscMd5 disc) {
  const auto recorded = disc == DiscMd5::check ? source.recorded_md5(path) : std::nullopt;
  if (expected == nullptr && !recorded) {
    return;
  }
  const auto file = source.open(path);
  if (expected != nullptr) {
    check_file_size(path, file->size(), *expected);
  }
  HashedFile hashed(*file, recorded ? DiscMd5::check : DiscMd5::ignore);
  const core::Digest sha256 = hashed.finish();
  if (recorded && hashed.md5() != recorded) {
    throw Error(ExitCode::action,
                fmt::format("[{}] is damaged: its MD5 is not the one the {} recorded for it.", path,
                            source.describe()));
  }
  if (expected != nullptr && sha256 != expected->sha256) {
    digest_mismatch(path);
  }
}

History::History(const Source& source, const config::Config& config)
    : m_source(source), m_config(config), m_days(read_catalog(source)) {}

History::Listing& History::listing(const CatalogArchive& archive) {
  const auto found = m_listings.find(archive.path);
  if (found != m_listings.end()) {
    return found->second;
  }
  Listing listing;
  if (archive.index_path) {
    // The index's blocks of entries are decoded when asked for.
    listing.index = load_index(archive);
    return m_listings.emplace(archive.path, std::move(listing)).first->second;
  }
  // Listed and checked against the manifest in one read: nothing read from
  // an archive counts before its digest matched.
  const auto file = m_source.open(archive.path);
  if (archive.listed) {
    check_file_size(archive.path, file->size(), *archive.listed);
  }
  HashedFile hashed(*file);
  std::exception_ptr damage;
  try {
    ArchiveReader reader(hashed.stream(), archive.path);
    listing.entries = reader.list();
  } catch (const Error&) {
    damage = std::current_exception();
  }
  // A digest that does not match says more than what libarchive made of
  // the damage.
  if (archive.listed && hashed.finish() != archive.listed->sha256) {
    digest_mismatch(archive.path);
  }
  if (damage) {
    std::rethrow_exception(damage);
  }
  m_checked[archive.path] = true;
  return m_listings.emplace(archive.path, std::move(listing)).first->second;
}

namespace {

// Checks what an index call gave, trims the directories' names of the
// entries it decoded (in place: a copy of a 100 000-entry index costs as
// much as decoding it) and gives their places.
collect::PartialIndex::Places
decoded_places(collect::PartialIndex& index,
               tl::expected<collect::PartialIndex::Places, std::string> decoded,
               const std::string& path) {
  if (!decoded) {
    throw Error(ExitCode::action,
                fmt::format("The content index [{}] is damaged: {}", path, decoded.error()));
  }
  for (const auto& run : *decoded) {
    for (auto& entry : index.entries_of(run)) {
      auto& name = entry.path;
      while (name.size() > 1 && name.ends_with('/')) {
        name.pop_back();
      }
    }
  }
  return std::move(*decoded);
}

} // namespace

std::vector<std::span<const collect::IndexEntry>> History::entries(const CatalogArchive& archive) {
  Listing& found = listing(archive);
  if (!found.index) {
    return {found.entries};
  }
  std::vector<std::span<const collect::IndexEntry>> runs;
  for (const auto& run :
       decoded_places(*found.index, found.index->decode_below(""), *archive.index_path)) {
    runs.emplace_back(found.index->entries_of(run));
  }
  return runs;
}

const collect::IndexEntry& History::entry(const CatalogArchive& archive, std::size_t place) {
  Listing& found = listing(archive);
  if (!found.index) {
    return found.entries.at(place);
  }
  if (!found.index->decoded(place)) {
    decoded_places(*found.index, found.index->decode_at(place), *archive.index_path);
  }
  return found.index->entry(place);
}

std::size_t History::entry_count(const CatalogArchive& archive) {
  const Listing& found = listing(archive);
  return found.index ? found.index->entry_count() : found.entries.size();
}

collect::PartialIndex::Places History::places_below(const CatalogArchive& archive,
                                                    const std::vector<std::string>& wanted) {
  Listing& found = listing(archive);
  if (!found.index) {
    return {{0, found.entries.size()}};
  }
  // The blocks of each wanted member, each block once and in order.
  std::set<std::pair<std::size_t, std::size_t>> places;
  for (const auto& member : wanted) {
    const auto some =
        decoded_places(*found.index, found.index->decode_below(member), *archive.index_path);
    places.insert(some.begin(), some.end());
  }
  return {places.begin(), places.end()};
}

std::unique_ptr<collect::PartialIndex> History::load_index(const CatalogArchive& archive) {
  const std::string& path = *archive.index_path;
  const auto& listed = archive.index_listed;
  auto opened = listed && listed->head ? open_index_head(path, *listed)
                                       : open_whole_index(path, listed ? &*listed : nullptr);
  if (!opened) {
    throw Error(ExitCode::action,
                fmt::format("The content index [{}] is damaged: {}", path, opened.error()));
  }
  return std::make_unique<collect::PartialIndex>(std::move(*opened));
}

tl::expected<collect::PartialIndex, std::string>
History::open_whole_index(const std::string& path, const collect::ManifestArchive* listed) {
  std::string text = read_small_file(m_source, path, k_index_limit);
  if (listed != nullptr) {
    check_file_size(path, text.size(), *listed);
    if (core::sha256(text) != listed->sha256) {
      digest_mismatch(path);
    }
  }
  return collect::PartialIndex::open(std::move(text));
}

// The head alone is read and checked against the manifest, and each block
// when it is first decoded, against its digest in the head: one path of a
// large index costs its head and a block or two, not the whole file.
tl::expected<collect::PartialIndex, std::string>
History::open_index_head(const std::string& path, const collect::ManifestArchive& listed) {
  std::shared_ptr<SourceFile> file = m_source.open(path);
  check_file_size(path, file->size(), listed);
  if (listed.size > k_index_limit) {
    throw Error(ExitCode::action, fmt::format("The content index [{}] is {} bytes, more than an "
                                              "index can be.",
                                              path, listed.size));
  }
  std::string head = read_part(*file, 0, static_cast<std::size_t>(listed.head->size));
  if (head.size() != listed.head->size || core::sha256(head) != listed.head->sha256) {
    throw Error(ExitCode::action,
                fmt::format("The content index [{}] is damaged: the SHA-256 of its head is not "
                            "the manifest's.",
                            path));
  }
  return collect::PartialIndex::open_head(
      std::move(head), listed.size,
      [file](std::uint64_t offset, std::size_t size) { return read_part(*file, offset, size); });
}

const collect::ContentIndex* History::index(const CatalogArchive& archive) {
  return archive.index_path ? &listing(archive).index->index() : nullptr;
}

void History::check_size(const CatalogArchive& archive) const {
  if (archive.listed) {
    check_file_size(archive.path, m_source.open(archive.path)->size(), *archive.listed);
  }
}

VersionKind History::kind_of(const PeerDay& day, const CatalogArchive& archive) {
  if (const auto* content = index(archive)) {
    return content->kind == collect::ArchiveKind::full ? VersionKind::full
                                                       : VersionKind::incremental;
  }
  const auto knowledge = knowledge_of(m_config, day.peer, archive.key);
  return knowledge.known && knowledge.always_full ? VersionKind::full : VersionKind::unknown;
}

void History::check(const CatalogArchive& archive, DiscMd5 disc) {
  if (m_checked.contains(archive.path) && disc == DiscMd5::ignore) {
    return;
  }
  const auto listed = [](const auto& manifest) { return manifest ? &*manifest : nullptr; };
  check_file(m_source, archive.path, listed(archive.listed), disc);
  if (archive.index_path) {
    check_file(m_source, *archive.index_path, listed(archive.index_listed), disc);
  }
  m_checked[archive.path] = true;
}

void History::replay(const std::string& key, const std::vector<const PeerDay*>& days, Day date,
                     const std::vector<std::string>& wanted, Tree& tree) {
  ItemHistory history;
  std::map<Day, std::pair<const PeerDay*, const CatalogArchive*>> archives;
  for (const auto* day : days) {
    for (const auto& archive : day->archives) {
      if (archive.key == key) {
        history.archives.push_back({day->day, kind_of(*day, archive)});
        archives[day->day] = {day, &archive};
        if (const auto* content = index(archive)) {
          history.cumulative = history.cumulative || content->cumulative;
        }
      }
    }
    if (day->manifest) {
      const auto& deleted = day->manifest->deleted;
      if (std::any_of(deleted.begin(), deleted.end(), [&](const auto& record) {
            return collect::normalized_name(record.item) == key;
          })) {
        history.deletion_days.push_back(day->day);
      }
    }
  }
  if (!days.empty()) {
    history.cumulative =
        history.cumulative || knowledge_of(m_config, days.front()->peer, key).cumulative;
  }
  Tree item;
  for (const auto& step : plan_replay(history, date, starting_day_of(m_config))) {
    const auto* day = *std::find_if(days.begin(), days.end(), [&](const auto* candidate) {
      return candidate->day == step.day;
    });
    if (step.deletions) {
      for (const auto& record : day->manifest->deleted) {
        if (collect::normalized_name(record.item) == key) {
          erase_below(item, member_of(record.path));
        }
      }
    }
    if (step.archive) {
      const auto [peer_day, archive] = archives.at(step.day);
      const auto places = places_below(*archive, wanted);
      Listing& decoded = listing(*archive);
      for (const auto& run : places) {
        const std::span<const collect::IndexEntry> entries =
            decoded.index ? decoded.index->entries_of(run)
                          : std::span(decoded.entries).subspan(run.first, run.second);
        for (std::size_t i = 0; i < entries.size(); ++i) {
          if (wanted_member(entries[i].path, wanted)) {
            item[entries[i].path] = Pick{peer_day, archive, run.first + i};
          }
        }
      }
    }
  }
  for (auto& [member, pick] : item) {
    tree[member] = pick;
  }
}

Tree History::tree_at(Day date, const std::string& peer, const std::vector<std::string>& wanted) {
  std::vector<const PeerDay*> days;
  std::set<std::string> keys;
  for (const auto& day : m_days) {
    if (day.peer != peer || day.day > date) {
      continue;
    }
    days.push_back(&day);
    for (const auto& archive : day.archives) {
      keys.insert(archive.key);
    }
  }
  Tree tree;
  for (const auto& key : keys) {
    replay(key, days, date, wanted, tree);
  }
  // An extension writes its outputs afresh on each run: the last day's
  // copy of each name is the version of the day.
  for (const auto* day : days) {
    for (const auto& output : day->outputs) {
      if (!wanted_member(output.name, wanted)) {
        continue;
      }
      const auto [at, added] = tree.try_emplace(output.name, Pick{day, nullptr, 0, &output});
      if (!added && at->second.output != nullptr) {
        at->second = Pick{day, nullptr, 0, &output};
      }
    }
  }
  return tree;
}

} // namespace cback::restore
