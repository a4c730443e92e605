#pragma once

#include <cback/config/model.hpp>

#include <string>
#include <string_view>

namespace cback::collect {

/// The original's buildNormalizedPath (docs/compatibility.md, "Archive
/// names"), used for archive, state and digest file names:
/// "/" → "_"; a leading drive "X:\" or "X:/" → "X-"; one leading '/' then
/// one leading '\' removed; a leading '.' → '_'; every '/' and '\' → '-';
/// every whitespace character (Python's \s: ASCII and Unicode spaces when
/// the name is UTF-8) and ':' → '_'. Lossy: "/a/b-c" and "/a-b/c" collide.
std::string normalized_name(std::string_view abs_path);

/// "tar", "tar.gz", "tar.bz2" or "tar.zst".
std::string_view archive_extension(config::ArchiveMode mode);

/// normalized_name + "." + extension: "/etc" → "etc.tar.gz", "/" → "_.tar".
std::string archive_file_name(std::string_view abs_path, config::ArchiveMode mode);

/// The incremental state file of an item (docs/state-format.md):
/// normalized_name + ".state", in working_dir.
std::string state_file_name(std::string_view abs_path);

/// The original's digest file of an item: normalized_name + ".sha".
std::string legacy_digest_file_name(std::string_view abs_path);

} // namespace cback::collect
