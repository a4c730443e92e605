#pragma once

// Incremental state of one collect item: what each listed path looked like
// at the last collect, so the next one archives only what changed. The file
// format is docs/state-format.md: binary, sorted in walk order (path_less),
// read through mmap and compared with the walk as a merge, so that neither
// the state nor the listing is ever held whole in memory. Files are written
// atomically.

#include <cback/collect/problem.hpp>
#include <cback/collect/walker.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/digest.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace cback::collect {

namespace detail {
class StateEncoder;
}

/// The recorded facts about one path.
struct Fingerprint {
  EntryKind kind = EntryKind::file;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
  std::uint64_t inode = 0;
  std::uint32_t mode = 0;
  std::optional<core::Digest> digest; ///< content hash of a regular file, content mode only

  static Fingerprint of(const Entry& entry);
  bool operator==(const Fingerprint&) const = default;
};

/// One record of a state: a view into the StateFile that returned it.
struct StateRecord {
  std::string_view path;
  Fingerprint print;
};

/// A state file, read-only: its records in path_less order, found by path.
/// Holds the file mapped (or, for a migrated text state, in memory); the
/// pages the caller is done with can be given back (release_before).
class StateFile {
public:
  /// The empty state.
  StateFile();
  ~StateFile();
  StateFile(StateFile&&) noexcept;
  StateFile& operator=(StateFile&&) noexcept;
  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;

  /// Checks and maps the binary state in `path` (header, size, checksum).
  /// The error says what is wrong; ENOENT-style absence is an error too
  /// (load_state turns it into an empty state).
  static tl::expected<StateFile, std::string> open(const std::filesystem::path& path);
  /// A state from the bytes of a state file (binary or the text format of
  /// version 1), kept in memory.
  static tl::expected<StateFile, std::string> decode(std::string bytes);

  [[nodiscard]] std::size_t size() const noexcept { return m_count; }
  [[nodiscard]] bool empty() const noexcept { return m_count == 0; }
  /// Record `index` (< size()). Throws Error(action) naming the file when the
  /// record does not fit the file (a checksum collision or a bug).
  [[nodiscard]] StateRecord record(std::size_t index) const;
  /// The index of `path`, if present. `hint` is where a walk in path order
  /// expects it: searched forward from there first (and moved past what
  /// it found), else the records before it are searched.
  [[nodiscard]] std::optional<std::size_t> find(std::string_view path, std::size_t& hint) const;
  /// Gives back the memory of the records before `index` (they are mapped
  /// again if read later): a walk in path order then keeps only a window
  /// of the file resident, whatever its size.
  void release_before(std::size_t index) const;

private:
  struct Storage;
  std::uint64_t offset_of(std::size_t index) const;
  std::unique_ptr<Storage> m_storage;
  std::span<const std::byte> m_bytes;
  std::size_t m_count = 0;
  std::uint64_t m_index_offset = 0;
  mutable std::uint64_t m_released = 0; ///< bytes before this were given back
};

/// The state read from disk. A missing file is an empty state without a
/// problem; a file that cannot be read or is corrupt or truncated is an
/// empty state and one problem naming the file (the caller logs it at
/// ERROR and everything is archived: a full backup, not a lost file).
struct LoadedState {
  StateFile state;
  std::optional<Problem> problem;
  bool migrated = false; ///< read from the text format of version 1
};

LoadedState load_state(const std::string& path);

/// Writes a state file: records in any order (a walk delivers them in
/// path order, and then nothing is sorted), committed atomically. Memory:
/// a write buffer and 8 bytes per record (the index).
///
/// Given the state the walk is compared with (`base`), the writer encodes
/// nothing while the records added are the base's, in its order: an
/// unchanged walk then costs no encoding, hashing or writing, and the
/// caller keeps the base (same_as_base()). At the first record that
/// differs the base's records matched so far are encoded, and from then on
/// every record as it comes.
class StateWriter {
public:
  /// Creates PATH.partial (without a base, at once; with one, at the first
  /// difference or commit); throws Error(action) naming it when it cannot.
  explicit StateWriter(std::filesystem::path path, const StateFile* base = nullptr);
  ~StateWriter();
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;

  /// Adds one path; a later record of the same path is dropped.
  void add(std::string_view path, const Fingerprint& print);
  /// True while the records added are exactly the base's, all of them.
  [[nodiscard]] bool same_as_base() const noexcept;
  /// Sorts the index if needed, writes it and the header, fsyncs, renames
  /// PATH.partial to PATH and fsyncs the directory. Throws Error(action)
  /// naming the file; then no PATH.partial is left and PATH is unchanged.
  void commit();

private:
  void diverge();
  void flush();
  std::filesystem::path m_path;
  const StateFile* m_base;
  std::size_t m_matched = 0; ///< base records added so far, not yet encoded
  std::unique_ptr<detail::StateEncoder> m_encoder;
  std::optional<core::AtomicFile> m_file; ///< from the first encoded record
};

/// Writes the whole state (`records` in any order) to `path` atomically;
/// the error names the file.
tl::expected<void, std::string> save_state(const std::string& path,
                                           const std::vector<StateRecord>& records);

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
using ContentHasher = std::function<tl::expected<core::Digest, std::string>(const Entry&)>;

/// sha256_file on the entry's path.
tl::expected<core::Digest, std::string> hash_entry(const Entry& entry);

/// Compares listed entries, one at a time in walk order, with a base state
/// (a merge: the base is read forward alongside the walk). Unlike the
/// original, symlinks are compared like other entries (the original put
/// every symlink into every incremental). Memory: one bit per base record
/// (whether it was listed, as the same kind).
class ChangeDetector {
public:
  ChangeDetector(const StateFile& base, ChangeBasis basis, ContentHasher hasher = hash_entry);

  struct Verdict {
    bool changed = true; ///< archive it
    Fingerprint print;   ///< what the next state records for it
  };
  /// Judges one entry. A file that cannot be hashed is changed and adds a
  /// problem to `problems`.
  Verdict check(const Entry& entry, std::vector<Problem>& problems);

  /// Base paths that no check() has listed, and base paths that check()
  /// listed as another kind (replaced: a directory that is a file now),
  /// sorted byte-wise. A replaced path is also changed, so it is in the
  /// archive: a restore deletes these paths first, then extracts.
  [[nodiscard]] std::vector<std::string> deleted() const;
  /// True when the entries checked are exactly the base: each base path
  /// listed once with an identical fingerprint, and nothing else.
  [[nodiscard]] bool same_as_base() const;
  [[nodiscard]] std::size_t changed() const noexcept { return m_changed; }
  [[nodiscard]] std::size_t checked() const noexcept { return m_checked; }

private:
  const StateFile& m_base;
  ChangeBasis m_basis;
  ContentHasher m_hasher;
  std::vector<bool> m_seen;
  std::size_t m_hint = 0;
  std::size_t m_released = 0;
  std::size_t m_checked = 0;
  std::size_t m_changed = 0;
  std::size_t m_identical = 0; ///< distinct base records matched exactly
};

} // namespace cback::collect
