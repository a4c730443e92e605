#pragma once

// Compatibility reader for Cedar Backup's `.sha` digest files
// (docs/compatibility.md): a Python pickle (protocol 0) of a dict from absolute path to SHA-1
// hex. Read only on the first run after migrating from Cedar Backup, to know
// which paths the last collect saw. Only the subset the original writes is
// understood: MARK, DICT, EMPTY_DICT, UNICODE (V), STRING (S), PUT, GET,
// SETITEM, SETITEMS, STOP. Nothing is executed; anything else is an error.

#include <map>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace cback::collect {

/// Path (bytes, as on disk: the original's str turned back into bytes with
/// UTF-8 and surrogate escapes) → SHA-1 hex digest.
using LegacyDigestMap = std::map<std::string, std::string>;

tl::expected<LegacyDigestMap, std::string> parse_legacy_digest(std::string_view pickle);
/// Reads and parses a file; the error names the path.
tl::expected<LegacyDigestMap, std::string> load_legacy_digest(const std::string& path);

/// SHA-1 hex (lowercase, as the original writes it) of a file's content,
/// read without following a final symlink. The error names the path.
tl::expected<std::string, std::string> legacy_file_digest(const std::string& path);

} // namespace cback::collect
