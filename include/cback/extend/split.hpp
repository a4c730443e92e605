#pragma once

// The split extension (docs/compatibility.md, "Extensions"): staged files larger than the
// configured size_limit are cut into split_size pieces so they fit on a
// disc. Done natively, without the external `split`.

#include <cstdint>
#include <filesystem>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::core {
class StopFlag;
}

namespace cback::extend {

/// For every daily directory of the staging dir without cback.split: every
/// staged file strictly larger than size_limit is cut into pieces and
/// removed, then cback.split is written. Needs the [stage] and [split]
/// sections. Throws Error(action) naming the file on failure; the file that
/// failed keeps its original and no piece of it.
void run_split(Context& context);

/// Cuts `file` into pieces of `piece_size` bytes (the last one shorter)
/// named FILE_00000, FILE_00001, ... beside it, as `split --numeric-suffixes
/// --suffix-length=5` does. Each piece is written as .partial and renamed
/// when complete. `file` itself is not touched; it must be a regular file,
/// not a symbolic link (Error otherwise). On failure (or a stop) the
/// pieces already made are removed and Error is thrown.
std::vector<std::filesystem::path> split_file(const std::filesystem::path& file,
                                              std::uint64_t piece_size, const core::StopFlag& stop);

/// The name of piece `index` of `file`: FILE_00007.
std::filesystem::path piece_path(const std::filesystem::path& file, std::size_t index);

} // namespace cback::extend
