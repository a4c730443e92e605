#pragma once

// The subversion extension (docs/compatibility.md, "Extensions"): full and incremental dumps of
// Subversion repositories into the collect directory, with the last dumped
// revision of each incremental repository kept in working_dir.

#include <cback/config/model.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::extend {

/// One repository to dump, with its effective modes.
struct SvnRepository {
  std::string path;
  config::CollectMode collect_mode = config::CollectMode::daily;
  config::CompressMode compress_mode = config::CompressMode::none;
};

/// The configured repositories, then the immediate subdirectories (not
/// symlinks, not excluded by rel_path or pattern, in name order) of every
/// repository_dir; modes from the item, else the section. Throws
/// Error(action) naming an item without a mode or a directory that cannot
/// be listed.
std::vector<SvnRepository> svn_repositories(const config::SubversionConfig& config);

/// working_dir/<normalized path>.svnlast, as the original names it.
std::filesystem::path svn_state_path(const std::filesystem::path& working_dir,
                                     const std::string& repository);

/// The revision in a .svnlast file (a pickled int, protocol 0: "I782\n.");
/// -1 when the file is missing or cannot be read, as the original.
long long read_last_revision(const std::filesystem::path& state);

/// Writes `revision` as the original does (pickle protocol 0), atomically.
void write_last_revision(const std::filesystem::path& state, long long revision);

/// Dumps every repository that its collect mode selects today: revisions
/// 0..youngest when the run is full (--full or the start of the week) or
/// the mode is not incr, else last+1..youngest (skipped when nothing is
/// new), with `svnadmin dump --quiet -rA:B --incremental` into
/// collect_dir/svndump-A:B-<normalized path>.txt[.gz|.bz2|.zst]. For incr
/// repositories the state advances only once the dump is committed. A
/// repository that fails is logged and the others still run; the action
/// then throws Error(action) naming the failed repositories.
void run_subversion(Context& context);

} // namespace cback::extend
