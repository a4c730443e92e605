#pragma once

// Which paths a collect walk leaves out (docs/compatibility.md, "Directory
// walk"): absolute paths, regular expressions on the full path or on the
// basename, and the ignore file.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace cback::collect {

/// Hash for unordered containers of strings that can be searched with a
/// string_view (no temporary string per lookup).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

/// What to exclude, as written in the configuration.
struct ExclusionRules {
  std::vector<std::string> abs_paths;         ///< exact string match on the full path
  std::vector<std::string> patterns;          ///< full match on the full path (config `pattern`)
  std::vector<std::string> basename_patterns; ///< full match on the last component
  std::optional<std::string> ignore_file;     ///< a directory holding this name is skipped
};

/// Checks a pattern the way ExclusionMatcher compiles it. Returns nothing if
/// it compiles, else a message naming the pattern and the error.
std::optional<std::string> pattern_error(const std::string& pattern);

/// Decides whether a path is excluded. Patterns are compiled once with PCRE2
/// as `^(?:pattern)$` (a full match, as Python's `re.match("^pattern$")`
/// in the original, except that an alternation `a|b` is grouped here, where
/// the original matched `^a` as a prefix) with UTF mode off, so names that
/// are not valid UTF-8 are matched byte by byte. `$` also matches before a
/// final newline, as in Python.
///
/// Copies share the compiled patterns; the absolute-path set is per copy, so
/// a walk can add paths (recursion levels) without touching the original.
/// Matching is safe from several threads at once; add_path is not.
class ExclusionMatcher {
public:
  /// Compiles the rules. Throws cback::Error (config) naming the first
  /// pattern that does not compile.
  explicit ExclusionMatcher(const ExclusionRules& rules = {});

  /// True if `path` is listed, or its full path or basename matches a pattern.
  [[nodiscard]] bool excluded(std::string_view path) const;
  /// True if the directory open as `dir_fd` contains the ignore file (any
  /// kind of entry that exists, following a symlink, as os.path.exists).
  [[nodiscard]] bool has_ignore_file(int dir_fd) const;
  /// Adds one absolute path to exclude (used for recursion levels).
  void add_path(std::string path);

  [[nodiscard]] const std::optional<std::string>& ignore_file() const { return m_ignore_file; }

private:
  struct Compiled;
  std::shared_ptr<Compiled> m_compiled;
  StringSet m_paths;
  std::optional<std::string> m_ignore_file;
};

} // namespace cback::collect
