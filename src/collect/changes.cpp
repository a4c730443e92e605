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
  StringSet seen;
  seen.reserve(entries.size());
  for (auto& entry : entries) {
    auto print = Fingerprint::of(entry);
    if (policy.basis == ChangeBasis::content && entry.kind == EntryKind::file) {
      if (auto digest = hasher(entry)) {
        print.digest = *digest;
      } else {
        result.problems.push_back(Problem{entry.path, digest.error()});
      }
    }
    seen.insert(entry.path);
    const bool skip = unchanged(print, base.find(entry.path), policy.basis);
    if (!keep_base) {
      result.next.put(entry.path, print);
    }
    if (!skip) {
      result.changed.push_back(std::move(entry));
    }
  }
  for (const auto& [path, print] : base.entries()) {
    if (!seen.contains(path)) {
      result.deleted.push_back(path);
    }
  }
  std::sort(result.deleted.begin(), result.deleted.end());
  if (keep_base) {
    result.next = base;
  }
  return result;
}

} // namespace cback::collect
