#pragma once

// Incremental state of one collect item: what each listed path looked like
// at the last collect, so the next one archives only what changed. The file
// format is docs/state-format.md; files are written atomically.

#include <cback/collect/digest.hpp>
#include <cback/collect/problem.hpp>
#include <cback/collect/walker.hpp>

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace cback::collect {

/// The recorded facts about one path.
struct Fingerprint {
  EntryKind kind = EntryKind::file;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint64_t inode = 0;
  std::uint32_t mode = 0;
  std::optional<Digest> digest; ///< content hash of a regular file, content mode only

  static Fingerprint of(const Entry& entry);
  bool operator==(const Fingerprint&) const = default;
};

/// Path → fingerprint for one item.
class State {
public:
  [[nodiscard]] const Fingerprint* find(const std::string& path) const;
  void put(std::string path, Fingerprint fingerprint);
  /// Adds `path` unless it is present; false when it was.
  bool add(std::string path, Fingerprint fingerprint);
  /// Room for `count` paths without rehashing.
  void reserve(std::size_t count) { m_entries.reserve(count); }
  [[nodiscard]] std::size_t size() const { return m_entries.size(); }
  [[nodiscard]] bool empty() const { return m_entries.empty(); }
  [[nodiscard]] const std::unordered_map<std::string, Fingerprint>& entries() const {
    return m_entries;
  }
  bool operator==(const State&) const = default;

private:
  std::unordered_map<std::string, Fingerprint> m_entries;
};

/// The state read from disk. A missing file is an empty state without a
/// problem; a file that cannot be read or parsed is an empty state and one
/// problem (the caller logs it at ERROR, as the original did).
struct LoadedState {
  State state;
  std::optional<Problem> problem;
};

LoadedState load_state(const std::string& path);
/// Encodes the state (docs/state-format.md), sorted by path.
std::string encode_state(const State& state);
/// Parses encode_state's output; the error says where and why.
tl::expected<State, std::string> decode_state(std::string_view text);
/// Writes PATH.partial, fsyncs it, renames it to PATH, fsyncs the directory.
/// On failure no PATH.partial is left and the error names the path.
tl::expected<void, std::string> save_state(const std::string& path, const State& state);

/// How a changed path is recognised.
enum class ChangeBasis {
  stat,    ///< kind, size, mtime, ctime, inode or mode differ
  content, ///< regular files: the SHA-256 differs (the original's rule, which
           ///< used SHA-1); other entries as `stat`
};
/// Whether the state is replaced after each collect ("changed since the last
/// collect", the original) or kept from the start of the week ("changed since
/// the week started": every incremental then holds the whole week's changes).
enum class Cumulative { no, yes };
/// The start of the week or --full: the old state is ignored (all is new).
enum class Reset { no, yes };

struct IncrementalPolicy {
  ChangeBasis basis = ChangeBasis::stat;
  Cumulative cumulative = Cumulative::no;
  Reset reset = Reset::no;
};

/// Digest of one regular file's content (content mode); an error skips the
/// comparison (the entry counts as changed) and is reported as a problem.
using ContentHasher = std::function<tl::expected<Digest, std::string>(const Entry&)>;

/// sha256_file on the entry's path.
tl::expected<Digest, std::string> hash_entry(const Entry& entry);

struct ChangeSet {
  std::vector<Entry> changed;       ///< entries to archive, in walk order
  std::vector<std::string> deleted; ///< in the compared state, gone now; sorted
  State next;                       ///< the state to save after the collect
  std::vector<Problem> problems;    ///< files that could not be hashed
};

/// Compares the listed entries with `previous` under `policy`. Unlike the
/// original, symlinks are compared like other entries (the original put
/// every symlink into every incremental).
ChangeSet detect_changes(std::vector<Entry> entries, const State& previous,
                         const IncrementalPolicy& policy, const ContentHasher& hasher = hash_entry);

} // namespace cback::collect
