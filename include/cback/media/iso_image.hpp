#pragma once

// The ISO tree of a medium, for src/media only: loading the newest
// session's tree, grafting directories into it, and walking the files of a
// loaded tree (for verification).

#include <cback/media/libraries.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace cback::core {
class Logger;
}

namespace cback::media {

class Drive;
class StagedTree;
struct Graft;

struct IsoImageDeleter {
  void operator()(IsoImage* image) const { iso_image_unref(image); }
};
/// Owns one reference to an IsoImage.
using IsoImageRef = std::unique_ptr<IsoImage, IsoImageDeleter>;

/// The tree of the newest session on the medium (empty for a blank
/// medium or one grabbed as blank), with the recorded MD5s. Throws
/// cback::Error(action) naming the device when the tree cannot be read.
/// `cache`: libisoburn's own read cache for the tree, 2 MiB for a drive;
/// a small one for a `stdio:` file or device, which the operating system
/// caches (filling 2 MiB of fresh memory costs a one-file restore more than
/// reading its tree).
enum class TreeCache { drive, small };
IsoImageRef load_image(Drive& drive, core::Logger& log, TreeCache cache = TreeCache::drive);

void set_volume_id(IsoImage* image, const std::string& volume_id);

/// Adds the contents of graft.source at /graft.graft_point through `tree`
/// (src/media/staged_tree.hpp), creating the parent directories and
/// replacing whatever the tree had there.
void add_graft(IsoImage* image, const Graft& graft, const std::string& device, StagedTree& tree);

/// The files (and symlinks, with no content) below `dir_path` in `image`,
/// by path relative to it ("peer/etc.tar.gz"). nullptr values are symlinks
/// or other non-data nodes. Throws cback::Error when `dir_path` is missing.
std::map<std::string, IsoFile*> files_below(IsoImage* image, const std::string& dir_path);

} // namespace cback::media
