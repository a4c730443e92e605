#include "staged_tree.hpp"

#include <cback/core/directory.hpp>
#include <cback/core/error.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/media/library.hpp>

#include "user_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::media {

namespace fs = std::filesystem;

constexpr std::size_t k_no_index = std::numeric_limits<std::size_t>::max();

// One staged file as libisofs reads it: through the ReadAhead when it asks
// in order, from its own descriptor otherwise.
struct StagedStream {
  std::shared_ptr<ReadAhead> read_ahead;
  std::shared_ptr<const ReadGate> gate; // null: no pace
  std::size_t index = k_no_index;
  std::string path; // not a fs::path: see ReadAhead::File
  std::int64_t size = 0;
  dev_t dev = 0;
  ino_t ino = 0;
  std::int64_t offset = 0;
  ReadAhead::Claim claim = ReadAhead::Claim::ring;
  core::UniqueFd fd;
  bool reported = false; // libisofs asks again after an error or an early end
};

namespace {

StagedStream& state_of(IsoStream* stream) {
  return *user_stream_state<StagedStream>(stream);
}

void note(StagedStream& state, const std::string& reason) {
  if (!state.reported) {
    state.reported = true;
    state.read_ahead->note_error(fmt::format("[{}]: {}", state.path, reason));
  }
}

int stream_open(IsoStream* stream) {
  StagedStream& state = state_of(stream);
  state.offset = 0;
  state.reported = false;
  if (state.size == 0) {
    return 1;
  }
  // A stream outside the read-ahead's order (fix_order() not called) reads
  // for itself rather than wait for a piece that never comes.
  state.claim =
      state.index == k_no_index ? ReadAhead::Claim::direct : state.read_ahead->claim(state.index);
  if (state.claim == ReadAhead::Claim::direct) {
    state.fd = open_staged_file(state.path, state.dev, state.ino);
    if (!state.fd) {
      note(state, staged_file_error(errno));
      return static_cast<int>(ISO_FILE_ERROR);
    }
  }
  return 1;
}

int stream_close(IsoStream* stream) {
  state_of(stream).fd.reset();
  return 1;
}

off_t stream_size(IsoStream* stream) {
  return state_of(stream).size;
}

// libisofs wants full reads but for the last one; a file that ends before
// its recorded size is reported and libisofs pads it with zeros.
int stream_read(IsoStream* stream, void* buffer, size_t count) {
  StagedStream& state = state_of(stream);
  const auto length = static_cast<std::size_t>(
      std::min<std::int64_t>(static_cast<std::int64_t>(count), state.size - state.offset));
  if (state.offset >= state.size || length == 0) {
    return 0;
  }
  if (state.gate) {
    (*state.gate)(static_cast<std::int64_t>(length));
  }
  char* out = static_cast<char*>(buffer);
  const std::int64_t got = state.claim == ReadAhead::Claim::ring
                               ? state.read_ahead->read(state.index, out, length)
                               : read_at(state.fd.get(), out, length, state.offset);
  if (got < 0) {
    note(state, staged_file_error(static_cast<int>(-got)));
    return static_cast<int>(ISO_FILE_READ_ERROR);
  }
  if (got == 0) {
    note(state, fmt::format("the file ended after {} of its {} bytes while it was written",
                            state.offset, state.size));
    return 0;
  }
  state.offset += got;
  return static_cast<int>(got);
}

// Device and inode identify the content: libisofs writes one copy of
// streams with the same identity.
void stream_id(IsoStream* stream, unsigned int* fs_id, dev_t* dev_id, ino_t* ino_id) {
  const StagedStream& state = state_of(stream);
  *fs_id = 0;
  *dev_id = state.dev;
  *ino_id = state.ino;
}

IsoStreamIface k_staged_stream_class = user_stream_class<StagedStream>(
    {stream_open, stream_close, stream_size, stream_read, stream_id});

void check_added(int result, const fs::path& path) {
  if (result < 0) {
    throw Error(ExitCode::action, fmt::format("Cannot add [{}] to the image: {}", path.string(),
                                              iso_error_text(result)));
  }
}

void set_attributes(IsoNode* node, const struct stat& info) {
  iso_node_set_permissions(node, info.st_mode & 07777);
  iso_node_set_uid(node, info.st_uid);
  iso_node_set_gid(node, info.st_gid);
  iso_node_set_atime(node, info.st_atim.tv_sec);
  iso_node_set_mtime(node, info.st_mtim.tv_sec);
  iso_node_set_ctime(node, info.st_ctim.tv_sec);
}

std::vector<std::string> entry_names(const fs::path& dir) {
  const core::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  auto listed = fd ? core::list_names(fd.get())
                   : core::DirNames{{}, std::error_code(errno, std::generic_category())};
  if (listed.error) {
    throw Error(ExitCode::action, fmt::format("Cannot read the directory [{}]: {}", dir.string(),
                                              listed.error.message()));
  }
  return std::move(listed.names);
}

std::string link_target(const fs::path& path) {
  std::error_code error;
  const fs::path target = fs::read_symlink(path, error);
  if (error) {
    throw Error(ExitCode::action,
                fmt::format("Cannot read the link [{}]: {}", path.string(), error.message()));
  }
  return target.string();
}

} // namespace

StagedTree::StagedTree(io::Backend& io) : m_read_ahead(std::make_shared<ReadAhead>(io)) {}

void StagedTree::pace_reads(ReadGate gate) {
  m_gate = gate ? std::make_shared<const ReadGate>(std::move(gate)) : nullptr;
}

StagedTree::~StagedTree() {
  if (m_read_ahead) {
    m_read_ahead->stop();
  }
}

void StagedTree::add(IsoImage* image, IsoDir* dir, const fs::path& source) {
  for (const std::string& name : entry_names(source)) {
    add_entry(image, dir, source / name);
  }
}

void StagedTree::add_entry(IsoImage* image, IsoDir* dir, const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    throw Error(ExitCode::action,
                fmt::format("Cannot read [{}]: {}", path.string(), std::strerror(errno)));
  }
  const std::string name = path.filename().string();
  IsoNode* node = nullptr;
  if (S_ISREG(info.st_mode)) {
    add_file(image, dir, name, path, info);
    return;
  }
  if (S_ISDIR(info.st_mode)) {
    IsoDir* child = nullptr;
    check_added(iso_image_add_new_dir(image, dir, name.c_str(), &child), path);
    set_attributes(reinterpret_cast<IsoNode*>(child), info);
    add(image, child, path);
    return;
  }
  if (S_ISLNK(info.st_mode)) {
    IsoSymlink* link = nullptr;
    check_added(
        iso_image_add_new_symlink(image, dir, name.c_str(), link_target(path).c_str(), &link),
        path);
    node = reinterpret_cast<IsoNode*>(link);
  } else {
    IsoSpecial* special = nullptr;
    check_added(
        iso_image_add_new_special(image, dir, name.c_str(), info.st_mode, info.st_rdev, &special),
        path);
    node = reinterpret_cast<IsoNode*>(special);
  }
  set_attributes(node, info);
}

void StagedTree::add_file(IsoImage* image, IsoDir* dir, const std::string& name,
                          const fs::path& path, const struct stat& info) {
  Inode& inode = m_inodes[{info.st_dev, info.st_ino}];
  if (inode.stream == nullptr) {
    auto state = std::make_unique<StagedStream>();
    state->read_ahead = m_read_ahead;
    state->gate = m_gate;
    state->path = path.string();
    state->size = info.st_size;
    state->dev = info.st_dev;
    state->ino = info.st_ino;
    inode.state = state.get();
    inode.stream = new_user_stream(&k_staged_stream_class, std::move(state));
    m_bytes += static_cast<std::uint64_t>(info.st_size);
  } else {
    iso_stream_ref(inode.stream);
  }
  IsoFile* file = nullptr;
  const int result = iso_image_add_new_file(image, dir, name.c_str(), inode.stream, &file);
  if (result < 0) {
    iso_stream_unref(inode.stream);
    check_added(result, path);
  }
  set_attributes(reinterpret_cast<IsoNode*>(file), info);
  inode.files.push_back(file);
  ++m_files;
}

// libisofs writes higher weights first; ties would be in no fixed order.
void StagedTree::fix_order() {
  int weight = static_cast<int>(std::min<std::size_t>(m_inodes.size(), 1U << 30));
  for (auto& [key, inode] : m_inodes) {
    if (inode.state->size > 0) {
      inode.state->index = m_read_ahead->add(
          {inode.state->path, inode.state->size, inode.state->dev, inode.state->ino});
    }
    for (IsoFile* file : inode.files) {
      iso_node_set_sort_weight(reinterpret_cast<IsoNode*>(file), weight);
    }
    weight = std::max(weight - 1, 0);
  }
}

std::vector<std::string> StagedTree::read_errors() const {
  return m_read_ahead->errors();
}

} // namespace cback::media
