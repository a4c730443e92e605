#include <cback/media/iso_image.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/media/drive.hpp>
#include <cback/media/library.hpp>
#include <cback/media/session.hpp>

#include "staged_tree.hpp"

#include <fmt/format.h>

#include <sstream>
#include <vector>

namespace cback::media {
namespace {

struct ReadOptsDeleter {
  void operator()(burn::isoburn_read_opts* opts) const { burn::isoburn_ropt_destroy(&opts, 0); }
};
using ReadOpts = std::unique_ptr<burn::isoburn_read_opts, ReadOptsDeleter>;

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream stream(path);
  std::string part;
  while (std::getline(stream, part, '/')) {
    if (!part.empty()) {
      parts.push_back(part);
    }
  }
  return parts;
}

IsoDir* child_dir(IsoImage* image, IsoDir* parent, const std::string& name, bool replace,
                  const std::string& device) {
  IsoNode* node = nullptr;
  if (iso_dir_get_node(parent, name.c_str(), &node) == 1) {
    if (!replace && iso_node_get_type(node) == LIBISO_DIR) {
      return reinterpret_cast<IsoDir*>(node);
    }
    iso_node_remove_tree(node, nullptr);
  }
  IsoDir* dir = nullptr;
  const int result = iso_image_add_new_dir(image, parent, name.c_str(), &dir);
  if (result < 0) {
    throw Error(ExitCode::action, fmt::format("Cannot create [{}] in the image for [{}]: {}", name,
                                              device, iso_error_text(result)));
  }
  return dir;
}

void collect_files(IsoDir* dir, const std::string& prefix, std::map<std::string, IsoFile*>& out) {
  IsoDirIter* iter = nullptr;
  if (iso_dir_get_children(dir, &iter) != 1) {
    return;
  }
  IsoNode* node = nullptr;
  while (iso_dir_iter_next(iter, &node) == 1) {
    const std::string path = prefix + iso_node_get_name(node);
    switch (iso_node_get_type(node)) {
    case LIBISO_DIR:
      collect_files(reinterpret_cast<IsoDir*>(node), path + "/", out);
      break;
    case LIBISO_FILE:
      out[path] = reinterpret_cast<IsoFile*>(node);
      break;
    default:
      out[path] = nullptr;
      break;
    }
  }
  iso_dir_iter_free(iter);
}

} // namespace

IsoImageRef load_image(Drive& drive, core::Logger& log, TreeCache cache) {
  burn::isoburn_read_opts* raw = nullptr;
  if (burn::isoburn_ropt_new(&raw, 0) <= 0) {
    throw Error(ExitCode::action, "Cannot allocate read options (libisoburn).");
  }
  ReadOpts opts(raw);
  // ACLs and xattrs are not backed up: the archives carry what matters.
  burn::isoburn_ropt_set_extensions(opts.get(), isoburn_ropt_noacl | isoburn_ropt_noea);
  if (cache == TreeCache::small) {
    // 4 tiles of 32 blocks (64 KiB, libisoburn's read size) instead of 32.
    constexpr int k_tiles = 4;
    constexpr int k_tile_blocks = 32;
    burn::isoburn_ropt_set_data_cache(opts.get(), k_tiles, k_tile_blocks, 0);
  }
  IsoImage* image = nullptr;
  if (burn::isoburn_read_image(drive.handle(), opts.get(), &image) <= 0 || image == nullptr) {
    std::string why;
    for (const auto& text : log_messages(log)) {
      why += why.empty() ? text : "; " + text;
    }
    throw Error(ExitCode::action, fmt::format("Cannot read the ISO image on [{}]: {}", drive.name(),
                                              why.empty() ? "no reason given" : why));
  }
  log_messages(log);
  iso_tree_set_follow_symlinks(image, 0);
  return IsoImageRef(image);
}

void set_volume_id(IsoImage* image, const std::string& volume_id) {
  iso_image_set_volume_id(image, volume_id.c_str());
}

void add_graft(IsoImage* image, const Graft& graft, const std::string& device, StagedTree& tree) {
  const auto parts = components(graft.graft_point);
  IsoDir* dir = iso_image_get_root(image);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    dir = child_dir(image, dir, parts[i], i + 1 == parts.size(), device);
  }
  tree.add(image, dir, graft.source);
}

std::map<std::string, IsoFile*> files_below(IsoImage* image, const std::string& dir_path) {
  IsoNode* node = nullptr;
  const std::string path = "/" + dir_path;
  if (iso_image_path_to_node(image, path.c_str(), &node) != 1 ||
      iso_node_get_type(node) != LIBISO_DIR) {
    throw Error(ExitCode::action, fmt::format("The disc has no directory [{}].", path));
  }
  std::map<std::string, IsoFile*> files;
  collect_files(reinterpret_cast<IsoDir*>(node), "", files);
  return files;
}

} // namespace cback::media
