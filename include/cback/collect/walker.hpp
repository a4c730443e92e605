#pragma once

// Lists what one collect item backs up. The rules are the
// original's walk (docs/compatibility.md, "Directory walk"), with these deliberate
// differences:
//  - entries are visited in byte-wise sorted name order, not os.listdir
//    order, so two runs over the same tree list the same sequence;
//  - directory entries are listed too (empty directories and directory
//    modes reach the archive); a symlink to a directory that is followed
//    without dereference is listed as a directory at the link's path;
//  - an unreadable directory is reported as a Problem and skipped, where the
//    original aborted the whole collect action;
//  - names are bytes: a backslash in a name is kept (the original turned it
//    into a slash and then failed), and duplicate paths (reachable twice
//    through dereferenced links) are listed once;
//  - with a recursion level, a directory holding the ignore file is skipped
//    with its whole subtree (the original still gave its subdirectories
//    their own archives);
//  - what cannot be archived (dangling or looping symlinks, FIFOs, devices,
//    sockets and links to them) is left out as before, but each such path
//    is reported (LeftOut), where the original dropped it silently.

#include <cback/collect/exclusions.hpp>
#include <cback/collect/problem.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct stat;

namespace cback::collect {

enum class EntryKind : std::uint8_t { file, directory, symlink };

/// The stat fields collect and purge use (from lstat, except where noted).
struct FileStat {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint32_t mode = 0; ///< type and permission bits, as st_mode
  std::uint32_t nlink = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::int64_t size = 0;
  std::int64_t atime_ns = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;

  static FileStat from(const struct ::stat& st);
  bool operator==(const FileStat&) const = default;
};

/// One path to archive.
struct Entry {
  std::string path; ///< absolute path, bytes (never assumed UTF-8)
  EntryKind kind = EntryKind::file;
  FileStat stat;

  /// A regular file with other names: the archiver may store later names
  /// with the same (dev, ino) as hard links.
  [[nodiscard]] bool hardlink_candidate() const {
    return kind == EntryKind::file && stat.nlink > 1;
  }
};

/// What one archive holds: the item (or sub-item, with recursion levels)
/// whose normalised path names the archive, and its entries in walk order.
struct ArchiveUnit {
  std::string item_path;
  std::vector<Entry> entries;
};

/// Why a walk left a path out of its listing. These are the paths the
/// original never archived; the walk still leaves them out (an archive of a
/// FIFO or a device node restores nothing useful), but says so.
enum class LeftOutReason : std::uint8_t {
  dangling_link,    ///< a symlink whose target does not exist
  link_loop,        ///< a symlink that leads back to itself (ELOOP)
  unreachable_link, ///< a symlink whose target cannot be looked up (e.g. EACCES)
  fifo,
  device, ///< character or block device node
  socket,
  link_to_fifo,
  link_to_device,
  link_to_socket,
};
inline constexpr std::size_t k_left_out_reasons = 9;
static_assert(static_cast<std::size_t>(LeftOutReason::link_to_socket) + 1 == k_left_out_reasons);

/// What the reason means, for logs and the manifest: "dangling symbolic
/// link", "FIFO", "symbolic link to a device", ...
std::string_view describe(LeftOutReason reason);

/// A path the walk saw and left out because it cannot be archived. Not a
/// Problem of the walk: nothing below it is unseen, and an incremental
/// state that held it (as a file, yesterday) counts it as gone.
struct LeftOut {
  std::string path; ///< absolute path, bytes
  LeftOutReason reason = LeftOutReason::fifo;

  /// The record the manifest keeps for it: the path, "not archived: FIFO".
  [[nodiscard]] Problem as_problem() const;
  bool operator==(const LeftOut&) const = default;
};

/// Counts left-out paths by reason, for one summary line per item.
class LeftOutTally {
public:
  void add(LeftOutReason reason);
  [[nodiscard]] std::size_t total() const noexcept { return m_total; }
  /// The counts by reason, in the order of LeftOutReason: "1 dangling
  /// symbolic link, 2 FIFOs"; empty when nothing was left out.
  [[nodiscard]] std::string summary() const;

private:
  std::array<std::size_t, k_left_out_reasons> m_counts{};
  std::size_t m_total = 0;
};

struct WalkOptions {
  int link_depth = 0;       ///< tree depth down to which symlinks are followed
  bool dereference = false; ///< followed links: walk the target, add the link too
  int recursion_level = 0;  ///< >0: one archive per subdir level; <0: one per dir
  /// Threads reading directories ahead of the walk: 0 is one per core,
  /// up to four.
  /// The listing is the same whatever the number.
  unsigned threads = 0;
};

struct WalkResult {
  std::vector<ArchiveUnit> units; ///< sub-items first (depth first), the item last
  std::vector<Problem> problems;  ///< unreadable directories, vanished entries
  std::vector<LeftOut> left_out;  ///< what cannot be archived, in walk order
};

/// Receives a directory item's listing while it is walked, so that nothing
/// holds the whole list: units one after the other (sub-items first, depth
/// first, the item last), each as begin_unit, its entries, end_unit.
/// Problems and left-out paths may come at any point; end_walk comes once,
/// after the last unit. Any exception thrown by a callback stops the walk
/// and leaves walk_dir.
///
/// Order: without dereference, the entries of one unit arrive in path order
/// (path_less): a directory before what it holds, names byte-wise sorted.
/// With dereference, link targets elsewhere break that order; such a unit
/// is gathered first (to drop duplicate paths) and then delivered.
class WalkVisitor {
public:
  virtual ~WalkVisitor() = default;
  virtual void begin_unit(const std::string& item_path) = 0;
  virtual void entry(Entry item) = 0;
  virtual void end_unit() = 0;
  virtual void problem(Problem found) = 0;
  /// A path that is not listed because it cannot be archived. Excluded
  /// paths are never reported.
  virtual void left_out(LeftOut found) = 0;
  /// The walk is complete (not called when a callback threw).
  virtual void end_walk() {}
};

/// The order of a walk: byte-wise, except that '/' sorts before every other
/// byte, so a directory's contents come right after it ("a/b", "a/b/x",
/// "a/b.txt"). Incremental state files are sorted in this order.
bool path_less(std::string_view a, std::string_view b) noexcept;

/// Lists collect items. One Walker per item: it owns that item's exclusions.
class Walker {
public:
  explicit Walker(ExclusionMatcher matcher) : m_matcher(std::move(matcher)) {}

  /// A `<file>` item: just that path, which must be a regular file or a
  /// symlink to one (then the link itself is listed). No exclusions apply.
  /// Throws cback::Error (action) naming the path otherwise.
  static ArchiveUnit list_file(const std::string& abs_path);

  /// A `<dir>` item. The path must be a directory or a link to one, else
  /// cback::Error (action) naming it. A trailing '/' is ignored.
  WalkResult list_dir(const std::string& abs_path, const WalkOptions& options);

  /// The same walk, delivered to `visitor` as it goes: memory stays bounded
  /// by the depth of the tree (and the widest directory), not its size.
  /// Throws like list_dir before the first callback.
  void walk_dir(const std::string& abs_path, const WalkOptions& options, WalkVisitor& visitor);

private:
  ExclusionMatcher m_matcher;
};

/// Joins a symlink's target to its directory, as the original's
/// dereferenceLink: one level only, relative targets made absolute and
/// normalised lexically ("a/./b/../c" → "a/c").
std::string resolve_link_target(const std::string& link_path, const std::string& target);

} // namespace cback::collect
