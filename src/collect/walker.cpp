#include <cback/collect/walker.hpp>

#include "read_ahead.hpp"

#include <cback/core/directory.hpp>
#include <cback/core/error.hpp>
#include <cback/core/unique_fd.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

#include <fmt/format.h>

namespace cback::collect {

namespace {

using detail::Follow;
using detail::join;

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::string strip_trailing_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  return path;
}

/// Opens a directory relative to `parent_fd`; with Follow::no a symlink is
/// refused (the walk decided already that this name is a real directory).
core::UniqueFd open_dir(int parent_fd, const char* name, Follow follow, int& error) {
  const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow == Follow::no ? O_NOFOLLOW : 0);
  core::UniqueFd fd(::openat(parent_fd, name, flags));
  if (!fd) {
    error = errno;
  }
  return fd;
}

/// Removes later duplicates of a path, keeping the first occurrence and the
/// order. Duplicates only arise from dereferenced links.
template <class Listed>
void remove_duplicate_paths(std::vector<Listed>& entries) {
  std::vector<std::size_t> order(entries.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return entries[a].path < entries[b].path; });
  std::vector<bool> drop(entries.size(), false);
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (entries[order[i]].path == entries[order[i - 1]].path) {
      drop[order[i]] = true;
    }
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!drop[i]) {
      if (kept != i) {
        entries[kept] = std::move(entries[i]);
      }
      ++kept;
    }
  }
  entries.resize(kept);
}

enum class Via { name, link };

/// Why a FIFO, socket or device node (by its st_mode) is left out, seen
/// under its own name or through a symlink.
LeftOutReason special_reason(mode_t mode, Via via) {
  // Linux has no other file types than these, regular files, directories
  // and symlinks: what is neither a FIFO nor a socket is a device node.
  const bool link = via == Via::link;
  if (S_ISFIFO(mode)) {
    return link ? LeftOutReason::link_to_fifo : LeftOutReason::fifo;
  }
  if (S_ISSOCK(mode)) {
    return link ? LeftOutReason::link_to_socket : LeftOutReason::socket;
  }
  return link ? LeftOutReason::link_to_device : LeftOutReason::device;
}

/// Why a symlink whose target cannot be stat'ed is left out, by the errno
/// of that stat.
LeftOutReason broken_link_reason(int error) {
  switch (error) {
  case ENOENT:
  case ENOTDIR: // a component of the target is a file
    return LeftOutReason::dangling_link;
  case ELOOP:
    return LeftOutReason::link_loop;
  default:
    return LeftOutReason::unreachable_link;
  }
}

struct ReasonText {
  std::string_view one;
  std::string_view many;
};

/// Indexed by LeftOutReason.
constexpr std::array<ReasonText, k_left_out_reasons> k_reason_texts{{
    {"dangling symbolic link", "dangling symbolic links"},
    {"symbolic link loop", "symbolic link loops"},
    {"symbolic link whose target cannot be looked up",
     "symbolic links whose target cannot be looked up"},
    {"FIFO", "FIFOs"},
    {"device", "devices"},
    {"socket", "sockets"},
    {"symbolic link to a FIFO", "symbolic links to a FIFO"},
    {"symbolic link to a device", "symbolic links to a device"},
    {"symbolic link to a socket", "symbolic links to a socket"},
}};

/// One recursive listing at recursion level 0 (the original's
/// _addDirContentsInternal). `depth` is the link depth left at the current
/// directory: it drops by one per directory level, and links are followed
/// only while it is above zero. Entries and left-out paths go straight to
/// the visitor, except with dereference: then they are gathered and
/// delivered without duplicates at the end (a target inside the item is
/// walked twice).
///
/// The directories themselves are read by a DirReader, ahead of the walk
/// on a few threads (read_ahead.hpp); everything the walk decides (links,
/// exclusions, what is left out, the order) is decided here, on one thread.
class ItemWalk {
public:
  ItemWalk(const ExclusionMatcher& matcher, bool dereference, unsigned threads,
           WalkVisitor& visitor)
      : m_matcher(matcher), m_dereference(dereference), m_reader(matcher, threads),
        m_visitor(visitor) {}

  void run(const std::string& path, int link_depth) {
    enter(AT_FDCWD, path.c_str(), path, link_depth, Follow::yes);
    if (m_dereference) {
      remove_duplicate_paths(m_gathered);
      for (auto& entry : m_gathered) {
        m_visitor.entry(std::move(entry));
      }
      m_gathered.clear();
      remove_duplicate_paths(m_gathered_left_out);
      for (auto& found : m_gathered_left_out) {
        m_visitor.left_out(std::move(found));
      }
      m_gathered_left_out.clear();
    }
  }

private:
  void enter(int parent_fd, const char* name, const std::string& path, int depth, Follow follow);
  void walk(const detail::Listing& listing, const std::string& path, int depth);
  void visit_child(int dir_fd, const detail::Child& child, const std::string& path, int depth);
  void visit_link(int dir_fd, const std::string& name, const std::string& path,
                  const FileStat& link_stat, int depth);
  void visit_file_link(int dir_fd, const std::string& name, const std::string& path,
                       const FileStat& link_stat, int depth);
  void visit_dir_link(int dir_fd, const std::string& name, const std::string& path,
                      const FileStat& link_stat, int depth);
  void add_link_target_file(const std::string& target);
  std::optional<std::string> link_target(int dir_fd, const std::string& name,
                                         const std::string& path) const;

  void add(const std::string& path, EntryKind kind, const FileStat& st) {
    if (!m_matcher.excluded(path)) {
      deliver(Entry{path, kind, st});
    }
  }
  void deliver(Entry entry) {
    if (m_dereference) {
      m_gathered.push_back(std::move(entry));
    } else {
      m_visitor.entry(std::move(entry));
    }
  }
  void problem(const std::string& path, const std::string& what, int error) {
    m_visitor.problem(Problem{path, fmt::format("{}: {}", what, errno_text(error))});
  }
  void leave_out(const std::string& path, LeftOutReason reason) {
    if (m_matcher.excluded(path)) {
      return;
    }
    if (m_dereference) {
      m_gathered_left_out.push_back(LeftOut{path, reason});
    } else {
      m_visitor.left_out(LeftOut{path, reason});
    }
  }

  const ExclusionMatcher& m_matcher;
  bool m_dereference;
  detail::DirReader m_reader;
  WalkVisitor& m_visitor;
  std::vector<Entry> m_gathered;            ///< dereference only
  std::vector<LeftOut> m_gathered_left_out; ///< dereference only
};

// A directory reached through a link (or the item itself) is read here, on
// the walk's thread; its subdirectories are read ahead.
void ItemWalk::enter(int parent_fd, const char* name, const std::string& path, int depth,
                     Follow follow) {
  if (!m_matcher.excluded(path)) {
    walk(m_reader.read(parent_fd, name, path, follow), path, depth);
  }
}

// A walked directory is always listed as a directory (with the stat of what
// was opened), also when reached through a symlink: a symlink entry with
// files below the same name would not extract. Its names come sorted, so
// the listing (and so the archive) is the same from run to run; the
// original used os.listdir order.
void ItemWalk::walk(const detail::Listing& listing, const std::string& path, int depth) {
  if (listing.open_error != 0) {
    problem(path, "cannot open directory", listing.open_error);
    return;
  }
  if (listing.ignored) {
    return;
  }
  if (listing.self) {
    deliver(Entry{path, EntryKind::directory, *listing.self});
  }
  if (listing.read_error) {
    problem(path, "cannot read directory", listing.read_error.value());
  }
  for (const auto& child : listing.children) {
    visit_child(listing.fd->get(), child, join(path, child.name), depth);
  }
}

void ItemWalk::visit_child(int dir_fd, const detail::Child& child, const std::string& path,
                           int depth) {
  if (child.error != 0) {
    if (child.error != ENOENT) { // a name that vanished meanwhile is not a problem
      problem(path, "cannot stat", child.error);
    }
    return;
  }
  const auto mode = static_cast<mode_t>(child.stat.mode);
  if (S_ISREG(mode)) {
    add(path, EntryKind::file, child.stat);
  } else if (S_ISDIR(mode)) {
    if (child.subdir) {
      walk(m_reader.take(*child.subdir), path, depth - 1);
    } else {
      enter(dir_fd, child.name.c_str(), path, depth - 1, Follow::no);
    }
  } else if (S_ISLNK(mode)) {
    visit_link(dir_fd, child.name, path, child.stat, depth);
  } else {
    leave_out(path, special_reason(mode, Via::name));
  }
}

// Only links to regular files and directories are listed, as in the
// original; the others are left out whatever the link depth.
void ItemWalk::visit_link(int dir_fd, const std::string& name, const std::string& path,
                          const FileStat& link_stat, int depth) {
  struct ::stat target_stat {};
  if (::fstatat(dir_fd, name.c_str(), &target_stat, 0) != 0) {
    leave_out(path, broken_link_reason(errno));
  } else if (S_ISREG(target_stat.st_mode)) {
    visit_file_link(dir_fd, name, path, link_stat, depth);
  } else if (S_ISDIR(target_stat.st_mode)) {
    visit_dir_link(dir_fd, name, path, link_stat, depth);
  } else {
    leave_out(path, special_reason(target_stat.st_mode, Via::link));
  }
}

void ItemWalk::visit_file_link(int dir_fd, const std::string& name, const std::string& path,
                               const FileStat& link_stat, int depth) {
  if (depth > 0 && m_dereference) {
    if (const auto target = link_target(dir_fd, name, path); target && *target != path) {
      add_link_target_file(*target);
    }
  }
  add(path, EntryKind::symlink, link_stat);
}

void ItemWalk::visit_dir_link(int dir_fd, const std::string& name, const std::string& path,
                              const FileStat& link_stat, int depth) {
  if (depth <= 0) {
    add(path, EntryKind::symlink, link_stat);
  } else if (m_dereference) {
    if (const auto target = link_target(dir_fd, name, path); target && *target != path) {
      enter(AT_FDCWD, target->c_str(), *target, depth - 1, Follow::yes);
    }
    add(path, EntryKind::symlink, link_stat);
  } else {
    // Followed into the link's path: the files appear under the link's name.
    enter(dir_fd, name.c_str(), path, depth - 1, Follow::yes);
  }
}

void ItemWalk::add_link_target_file(const std::string& target) {
  struct ::stat link_stat {};
  struct ::stat target_stat {};
  if (::lstat(target.c_str(), &link_stat) != 0 || ::stat(target.c_str(), &target_stat) != 0 ||
      !S_ISREG(target_stat.st_mode)) {
    return;
  }
  add(target, S_ISLNK(link_stat.st_mode) ? EntryKind::symlink : EntryKind::file,
      FileStat::from(link_stat));
}

std::optional<std::string> ItemWalk::link_target(int dir_fd, const std::string& name,
                                                 const std::string& path) const {
  const auto target = core::read_link(dir_fd, name.c_str());
  if (!target) {
    return std::nullopt;
  }
  return resolve_link_target(path, *target);
}

bool holds_ignore_file(int dir_fd, const std::string& name, const ExclusionMatcher& matcher) {
  if (!matcher.ignore_file()) {
    return false;
  }
  const auto inside = name + "/" + *matcher.ignore_file();
  struct ::stat st {};
  return ::fstatat(dir_fd, inside.c_str(), &st, 0) == 0;
}

/// Immediate subdirectories of `path` for recursion levels: real
/// directories only (no symlinks), with the exclusions applied. A directory
/// holding the ignore file is skipped with its whole subtree: it is neither
/// listed nor searched for subdirectories of its own.
std::vector<std::string> immediate_subdirs(const std::string& path,
                                           const ExclusionMatcher& matcher) {
  std::vector<std::string> subdirs;
  int error = 0;
  const core::UniqueFd dir = matcher.excluded(path)
                                 ? core::UniqueFd()
                                 : open_dir(AT_FDCWD, path.c_str(), Follow::yes, error);
  if (!dir || matcher.has_ignore_file(dir.get())) {
    return subdirs; // an unreadable directory is reported by its own walk
  }
  for (const auto& name : core::list_names(dir.get()).names) {
    struct ::stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
      auto subdir = join(path, name);
      if (!matcher.excluded(subdir) && !holds_ignore_file(dir.get(), name, matcher)) {
        subdirs.push_back(std::move(subdir));
      }
    }
  }
  return subdirs;
}

/// Threads reading directories ahead of a walk: one per core, up to four.
/// More only add fds and contention: items are walked side by side, each
/// with its own reader, and the archive writers keep files open too.
unsigned walk_threads(const WalkOptions& options) {
  constexpr unsigned k_most = 4;
  if (options.threads != 0) {
    return options.threads;
  }
  return std::clamp(std::thread::hardware_concurrency(), 1U, k_most);
}

// The original's _collectDirectory: each subdirectory gets its own units at
// level − 1 and is then excluded from its parent, whose unit comes last.
// Negative levels never reach 0, so every directory gets its own unit.
void collect_units(const std::string& path, int level, ExclusionMatcher& matcher,
                   const WalkOptions& options, WalkVisitor& visitor) {
  if (level != 0) {
    for (auto& subdir : immediate_subdirs(path, matcher)) {
      collect_units(subdir, level - 1, matcher, options, visitor);
      matcher.add_path(std::move(subdir));
    }
  }
  visitor.begin_unit(path);
  ItemWalk(matcher, options.dereference, walk_threads(options), visitor)
      .run(path, options.link_depth);
  visitor.end_unit();
}

/// Gathers a walk into a WalkResult (list_dir).
class Gatherer final : public WalkVisitor {
public:
  explicit Gatherer(WalkResult& result) : m_result(result) {}
  void begin_unit(const std::string& item_path) override {
    m_result.units.push_back(ArchiveUnit{item_path, {}});
  }
  void entry(Entry item) override { m_result.units.back().entries.push_back(std::move(item)); }
  void end_unit() override {}
  void problem(Problem found) override { m_result.problems.push_back(std::move(found)); }
  void left_out(LeftOut found) override { m_result.left_out.push_back(std::move(found)); }

private:
  WalkResult& m_result;
};

} // namespace

FileStat FileStat::from(const struct ::stat& st) {
  const auto ns = [](const timespec& time) {
    return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
  };
  FileStat result;
  result.dev = st.st_dev;
  result.ino = st.st_ino;
  result.mode = st.st_mode;
  result.nlink = static_cast<std::uint32_t>(st.st_nlink);
  result.uid = st.st_uid;
  result.gid = st.st_gid;
  result.size = st.st_size;
  result.atime_ns = ns(st.st_atim);
  result.mtime_ns = ns(st.st_mtim);
  result.ctime_ns = ns(st.st_ctim);
  return result;
}

std::string_view describe(LeftOutReason reason) {
  return k_reason_texts.at(static_cast<std::size_t>(reason)).one;
}

Problem LeftOut::as_problem() const {
  return Problem{path, fmt::format("not archived: {}", describe(reason))};
}

void LeftOutTally::add(LeftOutReason reason) {
  ++m_counts.at(static_cast<std::size_t>(reason));
  ++m_total;
}

std::string LeftOutTally::summary() const {
  std::string text;
  for (std::size_t i = 0; i < m_counts.size(); ++i) {
    if (m_counts[i] != 0) {
      const auto& words = k_reason_texts[i];
      text += fmt::format("{}{} {}", text.empty() ? "" : ", ", m_counts[i],
                          m_counts[i] == 1 ? words.one : words.many);
    }
  }
  return text;
}

ArchiveUnit Walker::list_file(const std::string& abs_path) {
  struct ::stat link_stat {};
  struct ::stat target_stat {};
  if (::lstat(abs_path.c_str(), &link_stat) == 0 && ::stat(abs_path.c_str(), &target_stat) == 0 &&
      S_ISREG(target_stat.st_mode)) {
    const auto kind = S_ISLNK(link_stat.st_mode) ? EntryKind::symlink : EntryKind::file;
    return ArchiveUnit{abs_path, {Entry{abs_path, kind, FileStat::from(link_stat)}}};
  }
  throw Error(ExitCode::action,
              fmt::format("collect file [{}] is not a regular file or does not exist", abs_path));
}

WalkResult Walker::list_dir(const std::string& abs_path, const WalkOptions& options) {
  WalkResult result;
  Gatherer gatherer(result);
  walk_dir(abs_path, options, gatherer);
  return result;
}

void Walker::walk_dir(const std::string& abs_path, const WalkOptions& options,
                      WalkVisitor& visitor) {
  const auto path = strip_trailing_slash(abs_path);
  struct ::stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw Error(ExitCode::action,
                fmt::format("collect directory [{}] is not a directory or does not exist", path));
  }
  ExclusionMatcher matcher = m_matcher; // recursion levels add paths to this copy
  collect_units(path, options.recursion_level, matcher, options, visitor);
  visitor.end_walk();
}

// Paths compared here share long prefixes (the item's directory), so the
// first difference is looked for eight bytes at a time.
bool path_less(std::string_view a, std::string_view b) noexcept {
  const std::size_t common = std::min(a.size(), b.size());
  std::size_t i = 0;
  for (; i + 8 <= common; i += 8) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      const auto bit = std::endian::native == std::endian::little ? std::countr_zero(x ^ y)
                                                                  : std::countl_zero(x ^ y);
      i += static_cast<std::size_t>(bit) / 8;
      break;
    }
  }
  for (; i < common; ++i) {
    if (a[i] != b[i]) {
      // '/' ranks below every byte a name can hold (NUL cannot occur).
      const auto rank = [](char c) { return c == '/' ? 0U : static_cast<unsigned char>(c) + 0U; };
      return rank(a[i]) < rank(b[i]);
    }
  }
  return a.size() < b.size();
}

std::string resolve_link_target(const std::string& link_path, const std::string& target) {
  std::string joined = target;
  if (target.empty() || target.front() != '/') {
    const auto slash = link_path.rfind('/');
    joined =
        (slash == std::string::npos ? std::string() : link_path.substr(0, slash)) + "/" + target;
  }
  std::vector<std::string_view> parts;
  std::string_view rest(joined);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      }
    } else {
      parts.push_back(part);
    }
  }
  std::string result;
  for (const auto part : parts) {
    result.append("/").append(part);
  }
  return result.empty() ? "/" : result;
}

} // namespace cback::collect
