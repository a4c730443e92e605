#include <cback/collect/state.hpp>

#include <algorithm>
#include <utility>

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

tl::expected<core::Digest, std::string> hash_entry(const Entry& entry) {
  return core::sha256_file(entry.path);
}

namespace {

// How far the walk gets between two give-backs of the base's memory.
constexpr std::size_t k_release_step = 16384;

} // namespace

ChangeDetector::ChangeDetector(const StateFile& base, ChangeBasis basis, ContentHasher hasher)
    : m_base(base), m_basis(basis), m_hasher(std::move(hasher)), m_seen(base.size(), false) {}

ChangeDetector::Verdict ChangeDetector::check(const Entry& entry, std::vector<Problem>& problems) {
  ++m_checked;
  Verdict verdict{true, Fingerprint::of(entry)};
  if (m_basis == ChangeBasis::content && entry.kind == EntryKind::file) {
    if (auto digest = m_hasher(entry)) {
      verdict.print.digest = *digest;
    } else {
      problems.push_back(Problem{entry.path, digest.error()});
    }
  }
  if (const auto found = m_base.find(entry.path, m_hint)) {
    const Fingerprint before = m_base.record(*found).print;
    verdict.changed = !unchanged(verdict.print, &before, m_basis);
    // A path that is now of another kind (a directory that became a file,
    // a file that became a symlink) stays unseen, so deleted() lists it:
    // a restore removes the old one before it extracts the new, and GNU
    // tar cannot put a file or a link where a non-empty directory is.
    if (before.kind == verdict.print.kind && !m_seen[*found]) {
      m_seen[*found] = true;
      m_identical += verdict.print == before ? 1 : 0;
    }
  }
  m_changed += verdict.changed ? 1 : 0;
  if (m_hint >= m_released + k_release_step) {
    m_base.release_before(m_hint);
    m_released = m_hint;
  }
  return verdict;
}

std::vector<std::string> ChangeDetector::deleted() const {
  std::vector<std::string> gone;
  if (m_identical == m_base.size()) {
    return gone; // every base path was matched
  }
  for (std::size_t i = 0; i < m_seen.size(); ++i) {
    if (!m_seen[i]) {
      gone.emplace_back(m_base.record(i).path);
    }
  }
  std::sort(gone.begin(), gone.end());
  return gone;
}

bool ChangeDetector::same_as_base() const {
  return m_identical == m_base.size() && m_checked == m_base.size();
}

} // namespace cback::collect
