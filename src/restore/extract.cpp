#include <cback/restore/commands.hpp>

#include <cback/core/error.hpp>
#include <cback/core/field_escape.hpp>
#include <cback/core/progress.hpp>
#include <cback/restore/archive_reader.hpp>
#include <cback/restore/frame_stream.hpp>

#include <archive_entry.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

namespace cback::restore {
namespace {

/// The entries to take from one archive, by their place in it.
struct ArchiveWork {
  const PeerDay* day = nullptr;
  const CatalogArchive* archive = nullptr;
  std::map<std::size_t, std::string> members; ///< place → member name
};

using WorkKey = std::tuple<Day, std::string, std::string>; ///< day, peer, archive name

/// The frames decompressed to check them, by archive path.
using CheckedArchives = std::map<std::string, CheckedFrames>;

// How much of the frames checked before the extraction is kept for it
// rather than decompressed again: one small file costs one frame's
// decompression, not two; a large selection is decompressed twice, in
// bounded memory.
constexpr std::uint64_t k_keep_checked = 64ULL << 20;

std::vector<std::string> peers_of(const History& history, const ExtractRequest& request) {
  std::set<std::string> peers;
  for (const auto& day : history.days()) {
    if (day.day <= request.date && (!request.peer || day.peer == *request.peer)) {
      peers.insert(day.peer);
    }
  }
  return {peers.begin(), peers.end()};
}

// The entries below the requested paths in the trees of the day, one peer
// per member: two peers holding the same path need --peer.
Tree selection(History& history, const ExtractRequest& request) {
  std::vector<std::string> wanted;
  for (const auto& path : request.paths) {
    wanted.push_back(member_of(path));
  }
  Tree selected;
  std::map<std::string, std::string> owner;
  for (const auto& peer : peers_of(history, request)) {
    for (const auto& [member, pick] : history.tree_at(request.date, peer, wanted)) {
      const auto [existing, added] = owner.try_emplace(member, peer);
      if (!added && existing->second != peer) {
        throw Error(ExitCode::usage,
                    fmt::format("[/{}] is in the backups of {} and of {}: name one with --peer.",
                                core::escape_field(member), existing->second, peer));
      }
      selected[member] = pick;
    }
  }
  for (const auto& path : request.paths) {
    const std::string member = member_of(path);
    const auto found = selected.lower_bound(member);
    if (found == selected.end() || !at_or_below(found->first, member)) {
      throw Error(ExitCode::action, fmt::format("[{}] is in no backup of {} or before.",
                                                core::escape_field(path), day_text(request.date)));
    }
  }
  return selected;
}

std::map<WorkKey, ArchiveWork> work_of(const Tree& selected) {
  std::map<WorkKey, ArchiveWork> work;
  for (const auto& [member, pick] : selected) {
    if (pick.output != nullptr) {
      continue;
    }
    auto& item = work[{pick.day->day, pick.day->peer, pick.archive->name}];
    item.day = pick.day;
    item.archive = pick.archive;
    item.members[pick.entry] = member;
  }
  return work;
}

class Extraction {
public:
  Extraction(History& history, const ExtractRequest& request, core::Logger& log,
             const core::StopFlag& stop, std::size_t total, const CheckedArchives& checked)
      : m_history(history), m_log(log), m_stop(stop), m_writer(request.to, request.overwrite),
        m_total(total), m_checked(checked) {
    if (request.progress != nullptr) {
      m_progress = request.progress->start("extract");
    }
  }

  /// Throws when, without --overwrite, a path to restore is taken.
  void refuse_taken(const Tree& selected);
  void archive(const ArchiveWork& work);
  /// An extension's output, copied from the source.
  void output(const std::string& member, const CatalogOutput& output);
  ExtractReport finish();

  /// Whether the archive's wanted entries are read frame by frame.
  static bool by_frames(History& history, const CatalogArchive& archive);

private:
  void write(ArchiveReader& reader, archive_entry* entry, const std::string& member,
             std::map<std::string, std::string>& links);
  void copy_link_targets(const ArchiveWork& work, std::map<std::string, std::string> links);
  void stream(const ArchiveWork& work);
  void frames(const ArchiveWork& work, const collect::ContentIndex& index);
  void show_progress(bool last);

  History& m_history;
  core::Logger& m_log;
  const core::StopFlag& m_stop;
  TreeWriter m_writer;
  core::ProgressJob m_progress;
  std::size_t m_total;
  const CheckedArchives& m_checked;
  ExtractReport m_report;
};

void Extraction::show_progress(bool last) {
  if (!m_progress.active()) {
    return;
  }
  m_progress.update(m_writer.bytes(), fmt::format("{} of {} entries", m_report.entries, m_total));
  if (last) {
    m_progress.finish(core::FinalLine::keep);
  }
}

void Extraction::write(ArchiveReader& reader, archive_entry* entry, const std::string& member,
                       std::map<std::string, std::string>& links) {
  try {
    if (m_writer.write(reader, entry, member)) {
      ++m_report.entries;
    } else {
      links.emplace(member, archive_entry_hardlink(entry));
    }
  } catch (const Error& error) {
    m_log.error("{}", error.what());
    m_report.refused.push_back(error.what());
  }
}

// A hard link whose first name was not restored gets that name's data: the
// archive is read again up to it.
void Extraction::copy_link_targets(const ArchiveWork& work,
                                   std::map<std::string, std::string> links) {
  if (links.empty()) {
    return;
  }
  const auto file = m_history.source().open(work.archive->path);
  ArchiveReader reader(file_stream(*file), work.archive->path);
  while (!links.empty()) {
    archive_entry* entry = reader.next();
    if (entry == nullptr) {
      break;
    }
    const std::string name = index_entry_of(entry, 0).path;
    for (auto it = links.begin(); it != links.end();) {
      if (it->second != name || archive_entry_filetype(entry) != AE_IFREG) {
        ++it;
        continue;
      }
      try {
        m_writer.write_file_as(reader, entry, it->first);
        ++m_report.entries;
      } catch (const Error& error) {
        m_log.error("{}", error.what());
        m_report.refused.push_back(error.what());
      }
      it = links.erase(it);
      break; // the data is read: the next name needs another pass
    }
  }
  for (const auto& [member, target] : links) {
    m_report.refused.push_back(fmt::format("Cannot restore [{}]: its hard link target [{}] is "
                                           "not in the archive [{}].",
                                           core::escape_field(member), core::escape_field(target),
                                           work.archive->path));
  }
}

bool Extraction::by_frames(History& history, const CatalogArchive& archive) {
  const auto* index = history.index(archive);
  return index != nullptr && archive.mode == config::ArchiveMode::tarzst && !index->frames.empty();
}

void Extraction::archive(const ArchiveWork& work) {
  m_log.info("Reading [{}] of the {} ({} entries to restore).", work.archive->path,
             m_history.source().describe(), work.members.size());
  if (by_frames(m_history, *work.archive)) {
    frames(work, *m_history.index(*work.archive));
  } else {
    stream(work);
  }
}

// Each wanted entry is read from the frame that holds its header; entries
// close behind one another are read on in the same run rather than from
// their own frame again.
void Extraction::frames(const ArchiveWork& work, const collect::ContentIndex& index) {
  constexpr std::uint64_t k_read_on = 8 << 20;
  const auto& path = work.archive->path;
  const auto file = m_history.source().open(path);
  const auto checked = m_checked.find(path);
  const CheckedFrames none;
  const CheckedFrames& kept = checked == m_checked.end() ? none : checked->second;
  std::unique_ptr<ArchiveReader> reader;
  std::uint64_t base = 0;
  std::uint64_t last = 0;
  std::map<std::string, std::string> links;
  for (const auto& [place, member] : work.members) {
    m_stop.check();
    const collect::IndexEntry& wanted = m_history.entry(*work.archive, place);
    const std::uint64_t offset = wanted.offset;
    archive_entry* entry = nullptr;
    while (reader && offset > last && offset - last <= k_read_on) {
      archive_entry* next = reader->next();
      if (next == nullptr) {
        break;
      }
      last = base + reader->header_offset();
      if (last >= offset) {
        entry = last == offset ? next : nullptr;
        break;
      }
    }
    if (entry == nullptr) {
      reader =
          std::make_unique<ArchiveReader>(frame_stream(*file, index, offset, path, kept), path);
      base = offset;
      entry = reader->next();
      last = offset;
    }
    if (entry == nullptr || index_entry_of(entry, 0).path != wanted.path) {
      throw Error(ExitCode::action,
                  fmt::format("The content index of [{}] does not match the archive at [{}].", path,
                              core::escape_field(wanted.path)));
    }
    write(*reader, entry, member, links);
    show_progress(false);
  }
  copy_link_targets(work, std::move(links));
}

void Extraction::stream(const ArchiveWork& work) {
  const auto file = m_history.source().open(work.archive->path);
  ArchiveReader reader(file_stream(*file), work.archive->path);
  std::map<std::string, std::string> links;
  std::size_t place = 0;
  auto next = work.members.begin();
  for (archive_entry* entry = reader.next(); entry != nullptr && next != work.members.end();
       entry = reader.next(), ++place) {
    m_stop.check();
    if (next->first != place) {
      continue;
    }
    write(reader, entry, next->second, links);
    ++next;
    show_progress(false);
  }
  copy_link_targets(work, std::move(links));
}

// Without --overwrite nothing is written when a file to restore is there
// already: the whole restore is refused up front, naming the first ones.
void Extraction::refuse_taken(const Tree& selected) {
  TreeWriter& writer = m_writer;
  std::vector<std::string> taken;
  for (const auto& [member, pick] : selected) {
    if (!TreeWriter::refusal(member) && writer.taken(member)) {
      taken.push_back(core::escape_field(member));
    }
  }
  if (!taken.empty()) {
    const std::size_t shown = std::min<std::size_t>(taken.size(), 5);
    std::string names;
    for (std::size_t i = 0; i < shown; ++i) {
      names += fmt::format("{}[{}]", i == 0 ? "" : ", ", taken[i]);
    }
    throw Error(ExitCode::action,
                fmt::format("{} path{} to restore exist{} in [{}] ({}{}): give --overwrite to "
                            "replace them.",
                            taken.size(), taken.size() == 1 ? "" : "s",
                            taken.size() == 1 ? "s" : "", writer.dir().string(), names,
                            taken.size() > shown ? ", ..." : ""));
  }
}

void Extraction::output(const std::string& member, const CatalogOutput& output) {
  m_stop.check();
  try {
    const auto file = m_history.source().open(output.path);
    m_writer.copy_file(*file_stream(*file), member);
    ++m_report.entries;
  } catch (const Error& error) {
    m_log.error("{}", error.what());
    m_report.refused.push_back(error.what());
  }
  show_progress(false);
}

ExtractReport Extraction::finish() {
  m_writer.finish();
  show_progress(true);
  m_report.bytes = m_writer.bytes();
  return std::move(m_report);
}

ExtractReport dry_run(const Tree& selected, const ExtractRequest& request, std::ostream& out) {
  ExtractReport report;
  for (const auto& [member, pick] : selected) {
    if (const auto why = TreeWriter::refusal(member)) {
      report.refused.push_back(
          fmt::format("[{}] would be refused: {}", core::escape_field(member), *why));
      continue;
    }
    out << fmt::format("{}  {}  {}  {}\n", day_text(pick.day->day), pick.day->peer,
                       pick.output != nullptr ? pick.output->name : pick.archive->name,
                       core::escape_field((request.to / member).string()));
    ++report.entries;
  }
  return report;
}

// The frames that hold the wanted entries, each from its header to the next
// entry's (the last one to the end of the archive), decompressed once to
// check them before anything of them is written; kept in `checked` within
// k_keep_checked bytes.
void check_wanted_frames(History& history, const ArchiveWork& work, CheckedArchives& checked) {
  const std::size_t count = history.entry_count(*work.archive);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [place, member] : work.members) {
    const std::uint64_t end =
        place + 1 < count ? history.entry(*work.archive, place + 1).offset : UINT64_MAX;
    ranges.emplace_back(history.entry(*work.archive, place).offset, end);
  }
  const auto file = history.source().open(work.archive->path);
  std::uint64_t kept = 0;
  for (const auto& [path, frames] : checked) {
    kept += frames.bytes;
  }
  auto& keep = checked[work.archive->path];
  check_frames(*file, *history.index(*work.archive), ranges, work.archive->path, &keep,
               k_keep_checked - std::min(kept, k_keep_checked));
}

} // namespace

ExtractReport extract(History& history, const ExtractRequest& request, core::Logger& log,
                      const core::StopFlag& stop, std::ostream& out) {
  const Tree selected = selection(history, request);
  const auto work = work_of(selected);
  CheckedArchives checked;
  // Every archive is proved before a byte of it is trusted: read whole
  // against the manifest's SHA-256, or, read by frames, its size and each
  // frame that will be read by the frame's checksum.
  for (const auto& [key, item] : work) {
    if (Extraction::by_frames(history, *item.archive)) {
      history.check_size(*item.archive);
      check_wanted_frames(history, item, checked);
    } else {
      history.check(*item.archive);
    }
  }
  if (request.dry_run) {
    return dry_run(selected, request, out);
  }
  Extraction extraction(history, request, log, stop, selected.size(), checked);
  if (request.overwrite == Overwrite::no) {
    extraction.refuse_taken(selected);
  }
  for (const auto& [key, item] : work) {
    extraction.archive(item);
  }
  for (const auto& [member, pick] : selected) {
    if (pick.output != nullptr) {
      extraction.output(member, *pick.output);
    }
  }
  return extraction.finish();
}

} // namespace cback::restore
