#include <cback/media/image_tree.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/media/drive.hpp>
#include <cback/media/iso_image.hpp>
#include <cback/media/library.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/cdrom.h>
#include <mutex>
#include <sys/ioctl.h>
#include <sys/stat.h>

namespace cback::media {
namespace {

constexpr std::uint64_t k_block = 2048;

/// "/" + `path`, after checking that each component is a name.
std::string absolute(const std::string& path) {
  if (path.empty()) {
    return "/";
  }
  std::size_t from = 0;
  for (;;) {
    const std::size_t to = std::min(path.find('/', from), path.size());
    const std::string_view part(path.data() + from, to - from);
    if (part.empty() || part == "." || part == "..") {
      throw Error(ExitCode::action, fmt::format("[{}] is not a path inside an image.", path));
    }
    if (to == path.size()) {
      return "/" + path;
    }
    from = to + 1;
  }
}

/// Where the newest session of a disc in a drive starts, when the medium
/// holds several real sessions (CD-R, DVD+R): the kernel reads the drive's
/// table of contents, which libburn does not for a pseudo-drive. On an
/// overwriteable medium or an image file the first blocks always describe
/// the newest session (libisoburn keeps them so), and this is nullopt.
std::optional<std::uint32_t> last_session_start(int fd) {
  cdrom_multisession session{};
  session.addr_format = CDROM_LBA;
  if (::ioctl(fd, CDROMMULTISESSION, &session) != 0 || session.xa_flag == 0) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(session.addr.lba);
}

core::UniqueFd open_read_only(const std::filesystem::path& path) {
  core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) {
    throw Error(ExitCode::action,
                fmt::format("Cannot open the image [{}]: {}", path.string(), std::strerror(errno)));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0 || !(S_ISREG(info.st_mode) || S_ISBLK(info.st_mode))) {
    throw Error(ExitCode::action,
                fmt::format("[{}] is neither an image file nor a disc device.", path.string()));
  }
  return fd;
}

restore::SourceEntryKind kind_of(IsoNode* node) {
  switch (iso_node_get_type(node)) {
  case LIBISO_DIR:
    return restore::SourceEntryKind::directory;
  case LIBISO_FILE:
    return restore::SourceEntryKind::file;
  default:
    return restore::SourceEntryKind::other;
  }
}

} // namespace

struct ImageTree::Impl {
  std::string name;
  // Declared before the drive and the image: the descriptor is closed
  // only after libburn has let go of it.
  core::UniqueFd fd;
  Drive drive;
  IsoImageRef image;
  // libisofs registers every directory iterator in one list of its own;
  // lookups are serialized.
  mutable std::mutex mutex;

  IsoNode* node_at(const std::string& path) const {
    IsoNode* node = nullptr;
    return iso_image_path_to_node(image.get(), absolute(path).c_str(), &node) == 1 ? node : nullptr;
  }
};

std::unique_ptr<ImageTree> ImageTree::open(const std::filesystem::path& path, core::Logger& log) {
  core::UniqueFd fd = open_read_only(path);
  Drive drive = Drive::grab(fmt::format("stdio:/dev/fd/{}", fd.get()), Grab::read_only, path);
  if (const auto start = last_session_start(fd.get())) {
    std::string lba = std::to_string(*start);
    constexpr int k_lba_given = 3;
    burn::isoburn_set_msc1(drive.handle(), k_lba_given, lba.data(), 0);
  }
  // Without an ISO head where the newest session starts, libisoburn would
  // hand out an empty tree, as for a blank disc.
  const MediumState state = drive.state();
  if (!state.volume_id) {
    const bool blank = state.status == DiscStatus::blank || state.status == DiscStatus::empty;
    throw Error(ExitCode::action,
                fmt::format("[{}] holds no ISO image: {}.", path.string(),
                            blank ? "it is blank"
                                  : "no volume descriptor where its newest session should start "
                                    "(not a disc image, or a damaged one)"));
  }
  IsoImageRef image = load_image(drive, log, TreeCache::small);
  auto impl = std::unique_ptr<Impl>(
      new Impl{path.string(), std::move(fd), std::move(drive), std::move(image), {}});
  return std::unique_ptr<ImageTree>(new ImageTree(std::move(impl)));
}

ImageTree::ImageTree(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

ImageTree::~ImageTree() = default;

const std::string& ImageTree::name() const noexcept {
  return m_impl->name;
}

int ImageTree::fd() const noexcept {
  return m_impl->fd.get();
}

std::optional<std::vector<restore::SourceEntry>> ImageTree::list(const std::string& dir) const {
  const std::lock_guard lock(m_impl->mutex);
  IsoNode* node = m_impl->node_at(dir);
  IsoDirIter* iter = nullptr;
  if (node == nullptr || iso_node_get_type(node) != LIBISO_DIR ||
      iso_dir_get_children(reinterpret_cast<IsoDir*>(node), &iter) != 1) {
    return std::nullopt;
  }
  std::vector<restore::SourceEntry> entries;
  IsoNode* child = nullptr;
  while (iso_dir_iter_next(iter, &child) == 1) {
    restore::SourceEntry entry{iso_node_get_name(child), kind_of(child), 0};
    if (entry.kind == restore::SourceEntryKind::file) {
      entry.size = static_cast<std::uint64_t>(iso_file_get_size(reinterpret_cast<IsoFile*>(child)));
    }
    entries.push_back(std::move(entry));
  }
  iso_dir_iter_free(iter);
  std::sort(
      entries.begin(), entries.end(),
      [](const restore::SourceEntry& a, const restore::SourceEntry& b) { return a.name < b.name; });
  return entries;
}

TreeFile ImageTree::file(const std::string& path) const {
  const std::lock_guard lock(m_impl->mutex);
  IsoNode* node = m_impl->node_at(path);
  if (node == nullptr) {
    throw Error(ExitCode::action,
                fmt::format("[{}] is not in the image [{}].", path, m_impl->name));
  }
  if (iso_node_get_type(node) != LIBISO_FILE) {
    throw Error(ExitCode::action,
                fmt::format("[{}] in the image [{}] is not a regular file.", path, m_impl->name));
  }
  auto* file = reinterpret_cast<IsoFile*>(node);
  TreeFile result;
  result.size = static_cast<std::uint64_t>(iso_file_get_size(file));
  int count = 0;
  iso_file_section* sections = nullptr;
  const int found = iso_file_get_old_image_sections(file, &count, &sections, 0);
  std::uint64_t stored = 0;
  for (int i = 0; i < count; ++i) {
    result.extents.push_back({sections[i].block * k_block, sections[i].size});
    stored += sections[i].size;
  }
  std::free(sections);
  // A compressed file (zisofs) would have fewer bytes stored than it has;
  // the store never writes one, and its raw extents are not its content.
  if ((found != 1 && result.size != 0) || stored != result.size) {
    throw Error(ExitCode::action,
                fmt::format("[{}] in the image [{}] is not stored as plain data ({} of {} bytes).",
                            path, m_impl->name, stored, result.size));
  }
  return result;
}

std::optional<Md5> ImageTree::recorded_md5(const std::string& path) const {
  const std::lock_guard lock(m_impl->mutex);
  IsoNode* node = m_impl->node_at(path);
  Md5 md5{};
  if (node == nullptr || iso_node_get_type(node) != LIBISO_FILE ||
      iso_file_get_md5(m_impl->image.get(), reinterpret_cast<IsoFile*>(node), md5.data(), 0) != 1) {
    return std::nullopt;
  }
  return md5;
}

} // namespace cback::media
