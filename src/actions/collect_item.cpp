#include "collect_item.hpp"

#include <cback/collect/content_index.hpp>
#include <cback/collect/legacy_digest.hpp>
#include <cback/collect/naming.hpp>
#include <cback/collect/schedule.hpp>
#include <cback/collect/state.hpp>
#include <cback/collect/walker.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/digest.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/stop.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <iterator>
#include <optional>

#include <unistd.h>

#include <fmt/format.h>

namespace cback::actions::detail {

namespace {

using collect::CollectItem;
using collect::Entry;
using collect::EntryKind;
using collect::ItemType;

// Directories held back while no non-directory entry has come: a unit of
// directories only gets no archive, as in the original. Past this many the
// archive is started anyway (and abandoned if nothing else comes), so that
// memory stays bounded.
constexpr std::size_t k_held_directories = 1024;

std::string_view kind_name(ItemType type) {
  return type == ItemType::file ? "file" : "directory";
}

/// What the archives of an item hold, for their content indexes.
struct ArchiveKind {
  collect::ArchiveKind kind = collect::ArchiveKind::full;
  bool cumulative = false;
};

// Writes the content index of an archive next to it, atomically; returns
// its manifest record.
collect::ManifestArchive write_index_file(const std::filesystem::path& dir,
                                          const collect::ContentIndex& index) {
  const auto name = index.archive + std::string(collect::k_content_index_suffix);
  const auto text = collect::encode_content_index(index);
  core::AtomicFile file(dir / name);
  file.write(text);
  file.commit();
  const auto head = std::string_view(text).substr(0, collect::content_index_head_size(text));
  return collect::ManifestArchive{name, text.size(), core::sha256(text),
                                  collect::ManifestIndexHead{head.size(), core::sha256(head)}};
}

/// Writes the archives of one item as its entries come: one per unit,
/// started at the unit's first non-directory entry, each followed by its
/// content index.
class UnitArchiver {
public:
  UnitArchiver(const CollectItem& item, ArchiveKind kind, const ItemServices& services,
               ItemOutcome& outcome)
      : m_item(item), m_kind(kind), m_services(services), m_outcome(outcome) {}

  void begin(const std::string& unit_path);
  void add(Entry entry);
  void end();

private:
  void open();
  void write_index(collect::ArchiveResult& result);

  const CollectItem& m_item;
  ArchiveKind m_kind;
  const ItemServices& m_services;
  ItemOutcome& m_outcome;
  std::string m_unit;
  std::string m_name;
  std::vector<Entry> m_held;                       ///< directories before the archive is started
  std::optional<collect::ArchiveStream> m_archive; ///< the unit's, once started
  std::uint64_t m_files = 0;
  std::uint64_t m_dirs = 0;
};

void UnitArchiver::begin(const std::string& unit_path) {
  m_unit = unit_path;
  m_name = collect::archive_file_name(unit_path, m_item.archive_mode);
  m_held.clear();
  m_archive.reset();
  m_files = 0;
  m_dirs = 0;
  if (m_item.type == ItemType::dir) {
    m_services.log.info("Collecting directory [{}]", unit_path);
  }
}

void UnitArchiver::open() {
  // An index left from an earlier archive of this name must never describe
  // the new one, whatever becomes of this run.
  const auto old_index =
      m_services.plan.collect_dir / (m_name + std::string(collect::k_content_index_suffix));
  if (::unlink(old_index.c_str()) != 0 && errno != ENOENT) {
    throw Error(ExitCode::action, fmt::format("Cannot remove the old content index [{}]: {}",
                                              old_index.string(), std::strerror(errno)));
  }
  collect::ArchiveOptions options;
  options.mode = m_item.archive_mode;
  options.zstd_threads = m_services.compression_threads;
  const core::Stopwatch watch;
  m_archive.emplace(m_services.plan.collect_dir / m_name, options, m_services.backend,
                    m_services.stop, archive_progress(m_services.progress, m_name));
  for (auto& held : m_held) {
    m_archive->add(std::move(held));
  }
  m_held.clear();
  m_outcome.perf.write += watch.elapsed();
}

void UnitArchiver::add(Entry entry) {
  const bool directory = entry.kind == EntryKind::directory;
  (directory ? m_dirs : m_files) += 1;
  if (!m_archive && directory && m_held.size() < k_held_directories) {
    m_held.push_back(std::move(entry));
    return;
  }
  if (!m_archive) {
    open();
  }
  const core::Stopwatch watch;
  m_archive->add(std::move(entry));
  m_outcome.perf.write += watch.elapsed();
}

void UnitArchiver::end() {
  auto& log = m_services.log;
  if (m_files == 0) {
    m_archive.reset(); // directories only: abandoned, nothing left behind
    log.debug("Nothing to back up in [{}]; no archive written.", m_unit);
    return;
  }
  const core::Stopwatch watch;
  auto result = m_archive->commit();
  m_archive.reset();
  m_outcome.perf.write += watch.elapsed();
  m_outcome.perf.bytes_in += result.input_bytes;
  m_outcome.perf.bytes_out += result.size;
  m_outcome.perf.files += m_files;
  m_outcome.perf.dirs += m_dirs;
  if (m_item.type == ItemType::file) {
    log.info("Backing up file [{}] ({}).", m_unit,
             core::display_bytes(static_cast<double>(result.input_bytes)));
  } else {
    log.info("Backing up {} files in [{}] ({}).", m_files, m_unit,
             core::display_bytes(static_cast<double>(result.input_bytes)));
  }
  m_services.outputs.own(result.path, log);
  for (auto& problem : result.problems) {
    log.warning("Archive [{}]: [{}] {}", m_name, problem.path, problem.message);
    m_outcome.problems.push_back(std::move(problem));
  }
  m_outcome.archives.push_back(collect::ManifestArchive{m_name, result.size, result.sha256});
  write_index(result);
}

void UnitArchiver::write_index(collect::ArchiveResult& result) {
  collect::ContentIndex index;
  index.archive = m_name;
  index.item = m_item.abs_path;
  index.kind = m_kind.kind;
  index.cumulative = m_kind.cumulative;
  index.mode = m_item.archive_mode;
  index.frames = std::move(result.frames);
  index.entries = std::move(result.index);
  const core::Stopwatch watch;
  auto written = write_index_file(m_services.plan.collect_dir, index);
  m_outcome.perf.write += watch.elapsed();
  m_services.outputs.own(m_services.plan.collect_dir / written.name, m_services.log);
  m_outcome.indexes.push_back(std::move(written));
}

// Whether `path` is `base` or lies below it.
bool at_or_below(std::string_view path, std::string_view base) {
  return path.starts_with(base) &&
         (path.size() == base.size() || path[base.size()] == '/' || base.ends_with('/'));
}

/// The first incremental run after a move from Cedar Backup: its digest
/// file stands in for the missing state. Regular files are judged by their
/// SHA-1 against the recorded one; directories are archived only as the
/// parents of a changed entry (the original records no directories), and
/// anything else is archived.
struct LegacyBase {
  collect::LegacyDigestMap unseen; ///< recorded files not met yet by the walk

  /// Whether `item` changed since the original's last run; problems are
  /// logged and added to `outcome`.
  bool changed(const Entry& item, const ItemServices& services, ItemOutcome& outcome) {
    if (item.kind == EntryKind::directory) {
      return false;
    }
    if (item.kind != EntryKind::file) {
      return true;
    }
    const auto found = unseen.find(item.path);
    if (found == unseen.end()) {
      return true;
    }
    const auto recorded = std::move(found->second);
    unseen.erase(found);
    const auto digest = collect::legacy_file_digest(item.path);
    if (!digest) {
      services.log.warning("Could not hash [{}]: {}", item.path, digest.error());
      outcome.problems.push_back(collect::Problem{item.path, digest.error()});
      return true;
    }
    return *digest != recorded;
  }
};

/// The incremental part of an item: the merge with the base state and the
/// next state being written.
struct Incremental {
  collect::ChangeDetector& detector;
  collect::StateWriter* next; ///< null when the state is kept (cumulative week)
  LegacyBase* legacy;         ///< set when the Cedar Backup digests are the base
};

/// Receives the walk of one item: entries go to the archiver, through the
/// change detector for incremental items. An incremental archive also gets
/// the directories that hold a changed entry (so that a restore gives them
/// their modes and times): the walk is depth first, so they are the
/// directories on the stack of the current path.
class ItemVisitor final : public collect::WalkVisitor {
public:
  ItemVisitor(const CollectItem& item, UnitArchiver& archiver,
              std::optional<Incremental> incremental, const ItemServices& services,
              ItemOutcome& outcome)
      : m_item_path(item.abs_path), m_archiver(archiver), m_incremental(incremental),
        m_services(services), m_outcome(outcome) {}

  void begin_unit(const std::string& item_path) override {
    m_stack.clear();
    m_archiver.begin(item_path);
  }
  void entry(Entry item) override {
    m_services.stop.check();
    if (m_incremental) {
      judge(std::move(item));
    } else {
      m_archiver.add(std::move(item));
    }
  }
  void end_unit() override { m_archiver.end(); }
  void problem(collect::Problem found) override {
    m_services.log.warning("Skipped [{}] while listing [{}]: {}", found.path, m_item_path,
                           found.message);
    m_listing_problems.push_back(found.path);
    m_outcome.problems.push_back(std::move(found));
  }
  void left_out(collect::LeftOut found) override {
    m_services.log.debug("Left out [{}]: {}", found.path, collect::describe(found.reason));
    m_left_out.add(found.reason);
    m_outcome.problems.push_back(found.as_problem());
  }
  void end_walk() override {
    if (const auto count = m_left_out.total(); count > 0) {
      m_services.log.info("Left out {} {} of [{}] that cannot be archived ({}).", count,
                          count == 1 ? "path" : "paths", m_item_path, m_left_out.summary());
    }
  }
  /// Paths below which the walk could not see (their state paths are not gone).
  [[nodiscard]] const std::vector<std::string>& listing_problems() const {
    return m_listing_problems;
  }

private:
  struct Directory {
    Entry entry;
    bool archived = false;
  };
  void judge(Entry item);

  const std::string& m_item_path;
  UnitArchiver& m_archiver;
  std::optional<Incremental> m_incremental;
  const ItemServices& m_services;
  ItemOutcome& m_outcome;
  std::vector<Directory> m_stack;
  std::vector<std::string> m_listing_problems;
  collect::LeftOutTally m_left_out;
};

void ItemVisitor::judge(Entry item) {
  std::vector<collect::Problem> problems;
  auto verdict = m_incremental->detector.check(item, problems);
  if (m_incremental->legacy != nullptr) {
    verdict.changed = m_incremental->legacy->changed(item, m_services, m_outcome);
  }
  for (auto& problem : problems) {
    m_services.log.warning("Could not hash [{}]: {}", problem.path, problem.message);
    m_outcome.problems.push_back(std::move(problem));
  }
  if (m_incremental->next != nullptr) {
    m_incremental->next->add(item.path, verdict.print);
  }
  while (!m_stack.empty() && !(at_or_below(item.path, m_stack.back().entry.path) &&
                               item.path != m_stack.back().entry.path)) {
    m_stack.pop_back();
  }
  if (verdict.changed) {
    for (auto& directory : m_stack) {
      if (!directory.archived) {
        m_archiver.add(directory.entry);
        directory.archived = true;
      }
    }
  }
  if (item.kind == EntryKind::directory) {
    m_stack.push_back(Directory{item, verdict.changed});
  }
  if (verdict.changed) {
    m_archiver.add(std::move(item));
  }
}

collect::IncrementalPolicy policy_for(const CollectPlan& plan) {
  collect::IncrementalPolicy policy;
  policy.basis = plan.basis;
  policy.cumulative = plan.cumulative;
  policy.reset = collect::resets_state(plan.full, plan.today_is_start) ? collect::Reset::yes
                                                                       : collect::Reset::no;
  return policy;
}

collect::LoadedState load_previous(const std::string& path, collect::IncrementalPolicy& policy,
                                   ItemOutcome& outcome, core::Logger& log) {
  if (policy.reset == collect::Reset::yes) {
    log.debug("Based on the reset flag, state [{}] is not used.", path);
    return {};
  }
  auto loaded = collect::load_state(path);
  if (loaded.problem) {
    log.error("Failed loading state [{}] from disk: {}", path, loaded.problem->message);
    outcome.problems.push_back(std::move(*loaded.problem));
    loaded.problem.reset();
  }
  if (loaded.migrated) {
    log.info("Read state [{}] in the old text format; it is saved in the new one.", path);
  }
  // A cumulative state that does not exist yet starts the week now, or
  // nothing would ever be saved until the next starting day.
  if (loaded.state.empty() && policy.cumulative == collect::Cumulative::yes) {
    policy.reset = collect::Reset::yes;
  }
  return loaded;
}

// On a run that would be incremental but finds no state of its own, the
// digest file Cedar Backup left in the working directory stands in for it.
// Without one the run archives everything, and says so.
std::optional<LegacyBase> legacy_base(const CollectItem& item, const ItemServices& services,
                                      const std::filesystem::path& state) {
  auto& log = services.log;
  const auto path = services.plan.working_dir / collect::legacy_digest_file_name(item.abs_path);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    log.warning("Item [{}] has no state [{}] and there is no Cedar Backup digest file [{}]: this "
                "run is a full one.",
                item.abs_path, state.string(), path.string());
    return std::nullopt;
  }
  auto loaded = collect::load_legacy_digest(path.string());
  if (!loaded) {
    log.warning("Item [{}] has no state [{}] and the Cedar Backup digest file cannot be used "
                "({}): this run is a full one.",
                item.abs_path, state.string(), loaded.error());
    return std::nullopt;
  }
  log.info("Item [{}] has no state [{}]: the {} digests of the Cedar Backup file [{}] decide what "
           "changed, which reads every file of the item once on this run.",
           item.abs_path, state.string(), loaded->size(), path.string());
  return LegacyBase{std::move(*loaded)};
}

// Feeds the item's walk (or its single file) to the visitor.
void walk_item(const CollectItem& item, collect::WalkVisitor& visitor) {
  if (item.type == ItemType::file) {
    auto unit = collect::Walker::list_file(item.abs_path);
    visitor.begin_unit(unit.item_path);
    for (auto& entry : unit.entries) {
      visitor.entry(std::move(entry));
    }
    visitor.end_unit();
    return;
  }
  collect::Walker walker{collect::ExclusionMatcher(item.exclusions)};
  walker.walk_dir(item.abs_path, item.walk, visitor);
}

// Incremental: archive what changed in each unit and write the next state
// beside the current one (STATE.next). The current state is left alone: the
// action renames the pending states over the current ones only after
// cback.collect is written (collect.cpp, promote), so a run that fails in
// any item, is stopped or is killed leaves every state as it was, and the
// next run archives the same changes again (docs/state-format.md).
void collect_incremental(const CollectItem& item, const ItemServices& services,
                         ItemOutcome& outcome) {
  auto& log = services.log;
  const auto current = state_path(services.plan, item);
  const auto state_name = current.string();
  auto policy = policy_for(services.plan);
  const auto previous = load_previous(state_name, policy, outcome, log);
  std::optional<LegacyBase> legacy;
  std::error_code missing;
  if (policy.reset == collect::Reset::no && previous.state.empty() &&
      !std::filesystem::exists(current, missing)) {
    legacy = legacy_base(item, services, current);
  }
  const bool keep_previous =
      policy.cumulative == collect::Cumulative::yes && policy.reset == collect::Reset::no;
  std::optional<collect::StateWriter> next;
  if (!keep_previous) {
    next.emplace(pending_state_path(current), &previous.state);
  }
  collect::ChangeDetector detector(previous.state, policy.basis);
  const ArchiveKind kind = policy.reset == collect::Reset::yes
                               ? ArchiveKind{}
                               : ArchiveKind{collect::ArchiveKind::incremental,
                                             policy.cumulative == collect::Cumulative::yes};
  UnitArchiver archiver(item, kind, services, outcome);
  ItemVisitor visitor(item, archiver,
                      Incremental{detector, next ? &*next : nullptr, legacy ? &*legacy : nullptr},
                      services, outcome);
  walk_item(item, visitor);
  log.debug("Removed {} unchanged entries based on state [{}].",
            detector.checked() - detector.changed(), state_name);
  outcome.deleted = detector.deleted();
  if (legacy) {
    std::transform(legacy->unseen.begin(), legacy->unseen.end(),
                   std::back_inserter(outcome.deleted),
                   [](const auto& recorded) { return recorded.first; });
  }
  std::erase_if(outcome.deleted, [&](const std::string& path) {
    return std::any_of(visitor.listing_problems().begin(), visitor.listing_problems().end(),
                       [&](const std::string& bad) { return at_or_below(path, bad); });
  });
  log.debug("{} paths are gone since state [{}].", outcome.deleted.size(), state_name);
  // Rewriting a state identical to the one on disk only costs time (and an
  // fsync): a cumulative week keeps its state, and so does a walk that
  // matched every stored fingerprint exactly and listed nothing else. The
  // current state is then already the next one, whatever becomes of the run.
  if (!next || (!previous.migrated && !previous.state.empty() && detector.same_as_base())) {
    log.debug("State [{}] is unchanged: {} entries.", state_name, previous.state.size());
    return;
  }
  const auto pending = pending_state_path(current);
  try {
    next->commit();
  } catch (const Error& error) {
    // The current state stays: the next run repeats these changes.
    log.error("Failed to write state [{}] to disk: {}", pending.string(), error.what());
    outcome.problems.push_back(collect::Problem{pending.string(), error.what()});
    return;
  }
  log.debug("Wrote the next state [{}] to disk: {} entries; it replaces [{}] when the collect "
            "completes.",
            pending.string(), detector.checked(), state_name);
  services.outputs.own(pending, log); // a rename keeps the owner
  outcome.next_state = PendingState{pending, current};
}

void collect_checked(const CollectItem& item, const ItemServices& services, ItemOutcome& outcome) {
  auto& log = services.log;
  log.debug("Working with collect {} [{}]", kind_name(item.type), item.abs_path);
  const auto& plan = services.plan;
  if (!collect::should_collect(item.collect_mode, plan.full, plan.today_is_start)) {
    log.debug("The {} will not be backed up, per collect mode.", kind_name(item.type));
  } else {
    // Walking, change detection and archiving interleave: the walk time is
    // what is left when the archive time is taken out.
    const core::Stopwatch watch;
    if (item.collect_mode == config::CollectMode::incr) {
      collect_incremental(item, services, outcome);
    } else {
      UnitArchiver archiver(item, ArchiveKind{}, services, outcome);
      ItemVisitor visitor(item, archiver, std::nullopt, services, outcome);
      walk_item(item, visitor);
    }
    outcome.perf.walk += watch.elapsed() - std::min(watch.elapsed(), outcome.perf.write);
  }
  log.info("Completed collecting {} [{}]", kind_name(item.type), item.abs_path);
}

} // namespace

std::filesystem::path state_path(const CollectPlan& plan, const CollectItem& item) {
  return plan.working_dir / collect::state_file_name(item.abs_path);
}

std::filesystem::path pending_state_path(const std::filesystem::path& state) {
  return state.string() + ".next";
}

ItemOutcome collect_item(const CollectItem& item, const ItemServices& services) {
  ItemOutcome outcome;
  try {
    services.stop.check();
    collect_checked(item, services, outcome);
  } catch (const Error& error) {
    if (error.code() == ExitCode::interrupted) {
      outcome.interrupted = true;
    } else {
      outcome.failure = error.what();
    }
  } catch (const std::exception& error) {
    outcome.failure = error.what();
  }
  services.perf.add("collect", item.abs_path, outcome.perf);
  return outcome;
}

} // namespace cback::actions::detail
