#pragma once

// The flat tar of the mbox extension's directory backup: the grepmail'd
// mailboxes, copied into a scratch directory (core::TempDir) under
// working_dir.

#include <cback/config/model.hpp>

#include <filesystem>
#include <vector>

namespace cback::core {
class StopFlag;
}

namespace cback::extend {

/// Writes `files` into a pax tar at `target` (suffix included), each under
/// its base name only (a flat archive, as the original), compressed with
/// `compress`. Committed by rename; on failure no `target` and no .partial
/// remain and Error(action) names the target (or Error(interrupted) on a
/// stop).
void write_flat_tar(const std::vector<std::filesystem::path>& files,
                    const std::filesystem::path& target, config::CompressMode compress,
                    const core::StopFlag& stop);

} // namespace cback::extend
