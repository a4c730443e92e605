#include <cback/collect/state.hpp>

#include <algorithm>

namespace cback::collect {

namespace {

bool same_stat(const Fingerprint& a, const Fingerprint& b) {
  return a.kind == b.kind && a.size == b.size && a.mtime_ns == b.mtime_ns &&
         a.ctime_ns == b.ctime_ns && a.inode == b.inode && a.mode == b.mode;
}

// Content mode judges regular files by their digest alone, as the original
// (touch or chmod alone does not make a file "changed").
bool unchanged(const Fingerprint& now, const Fingerprint* before, ChangeBasis basis) {
  if (before == nullptr) {
    return false;
  }
  if (basis == ChangeBasis::content && now.kind == EntryKind::file) {
    return before->kind == EntryKind::file && now.digest && before->digest &&
           *now.digest == *before->digest;
  }
  return same_stat(now, *before);
}

} // namespace

tl::expected<Digest, std::string> hash_entry(const Entry& entry) {
  return sha256_file(entry.path);
}

ChangeSet detect_changes(std::vector<Entry> entries, const State& previous,
                         const IncrementalPolicy& policy, const ContentHasher& hasher) {
  static const State k_empty;
  const State& base = policy.reset == Reset::yes ? k_empty : previous;
  const bool keep_base = policy.cumulative == Cumulative::yes && policy.reset == Reset::no;
  ChangeSet result;
  // A path of `base` is gone when no entry matched it. Without a kept base,
  // `next` holds every listed path and answers that; with one, the listed
  // paths are remembered here. When every base path was matched, nothing
  // is gone and neither is consulted.
  StringSet seen;
  if (keep_base) {
    seen.reserve(entries.size());
  } else {
    result.next.reserve(entries.size());
  }
  std::size_t matched = 0;
  for (auto& entry : entries) {
    auto print = Fingerprint::of(entry);
    if (policy.basis == ChangeBasis::content && entry.kind == EntryKind::file) {
      if (auto digest = hasher(entry)) {
        print.digest = *digest;
      } else {
        result.problems.push_back(Problem{entry.path, digest.error()});
      }
    }
    const Fingerprint* before = base.find(entry.path);
    matched += before != nullptr ? 1 : 0;
    const bool skip = unchanged(print, before, policy.basis);
    if (keep_base) {
      seen.insert(entry.path);
    } else {
      result.next.put(entry.path, print);
    }
    if (!skip) {
      result.changed.push_back(std::move(entry));
    }
  }
  if (matched != base.size()) {
    for (const auto& [path, print] : base.entries()) {
      const bool listed = keep_base ? seen.contains(path) : result.next.find(path) != nullptr;
      if (!listed) {
        result.deleted.push_back(path);
      }
    }
  }
  std::sort(result.deleted.begin(), result.deleted.end());
  if (keep_base) {
    result.next = base;
  }
  return result;
}

} // namespace cback::collect
