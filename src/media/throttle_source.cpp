#include <cback/media/throttle_source.hpp>

#include <cback/core/error.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/media/library.hpp>

#include "user_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::media {
namespace {

namespace fs = std::filesystem;

constexpr int k_files_per_dir = 100;

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// What one of our IsoStreams reads: a generated file or a file on disk,
// paced by the gate. libisofs opens, reads to the end and closes each
// stream from its writer thread.
struct StreamState {
  std::shared_ptr<SourceGate> gate;
  std::int64_t size = 0;
  std::int64_t offset = 0;
  ino_t ino = 0;
  std::optional<std::int64_t> synthetic_file;
  std::uint64_t seed = 0;
  fs::path path;
  core::UniqueFd fd;
};

StreamState* state_of(IsoStream* stream) {
  return user_stream_state<StreamState>(stream);
}

int stream_open(IsoStream* stream) {
  StreamState* state = state_of(stream);
  state->offset = 0;
  if (!state->synthetic_file) {
    state->fd.reset(::open(state->path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!state->fd) {
      return static_cast<int>(ISO_FILE_ERROR);
    }
  }
  return 1;
}

int stream_close(IsoStream* stream) {
  state_of(stream)->fd.reset();
  return 1;
}

off_t stream_size(IsoStream* stream) {
  return state_of(stream)->size;
}

int stream_read(IsoStream* stream, void* buffer, size_t count) {
  StreamState& state = *state_of(stream);
  const std::int64_t length =
      std::min<std::int64_t>(static_cast<std::int64_t>(count), state.size - state.offset);
  if (length <= 0) {
    return 0;
  }
  state.gate->wait_to_read(length);
  char* out = static_cast<char*>(buffer);
  if (state.synthetic_file) {
    synthetic_bytes(state.seed, *state.synthetic_file, state.offset,
                    std::span<char>(out, static_cast<std::size_t>(length)));
  } else if (read_at(state.fd.get(), out, static_cast<std::size_t>(length), state.offset) <
             length) {
    return static_cast<int>(ISO_FILE_READ_ERROR); // a read error, or the file shrank
  }
  state.offset += length;
  return static_cast<int>(length);
}

void stream_id(IsoStream* stream, unsigned int* fs_id, dev_t* dev_id, ino_t* ino_id) {
  *fs_id = 0;
  *dev_id = 0;
  *ino_id = state_of(stream)->ino;
}

IsoStreamIface k_stream_class = user_stream_class<StreamState>(
    {stream_open, stream_close, stream_size, stream_read, stream_id});

IsoStream* new_stream(std::unique_ptr<StreamState> state) {
  state->ino = serial_id++;
  return new_user_stream(&k_stream_class, std::move(state));
}

void add_file(IsoImage* image, IsoDir* dir, const std::string& name,
              std::unique_ptr<StreamState> state) {
  IsoFile* file = nullptr;
  IsoStream* stream = new_stream(std::move(state));
  const int result = iso_image_add_new_file(image, dir, name.c_str(), stream, &file);
  if (result < 0) {
    iso_stream_unref(stream);
    throw Error(ExitCode::action,
                fmt::format("Cannot add [{}] to the image: {}", name, iso_error_text(result)));
  }
  iso_node_set_permissions(reinterpret_cast<IsoNode*>(file), 0644);
}

IsoDir* add_dir(IsoImage* image, IsoDir* parent, const std::string& name) {
  IsoDir* dir = nullptr;
  const int result = iso_image_add_new_dir(image, parent, name.c_str(), &dir);
  if (result < 0) {
    throw Error(ExitCode::action,
                fmt::format("Cannot add [{}] to the image: {}", name, iso_error_text(result)));
  }
  return dir;
}

void add_synthetic(IsoImage* image, const SyntheticTree& tree,
                   const std::shared_ptr<SourceGate>& gate) {
  const int files = std::max(tree.files, 1);
  const std::int64_t each = tree.bytes / files;
  IsoDir* dir = nullptr;
  for (int index = 0; index < files; ++index) {
    if (index % k_files_per_dir == 0) {
      dir = add_dir(image, iso_image_get_root(image),
                    fmt::format("dir-{:03}", index / k_files_per_dir));
    }
    auto state = std::make_unique<StreamState>();
    state->gate = gate;
    state->synthetic_file = index;
    state->seed = tree.seed;
    state->size = each + (index + 1 == files ? tree.bytes % files : 0);
    add_file(image, dir, fmt::format("file-{:05}.bin", index), std::move(state));
  }
}

// Regular files, directories and symbolic links; other kinds (sockets,
// devices) have no place in a staging directory and are left out.
void add_directory(IsoImage* image, IsoDir* dir, const fs::path& source,
                   const std::shared_ptr<SourceGate>& gate) {
  for (const auto& entry : fs::directory_iterator(source)) {
    const std::string name = entry.path().filename().string();
    const auto status = entry.symlink_status();
    if (fs::is_symlink(status)) {
      const std::string target = fs::read_symlink(entry.path()).string();
      iso_image_add_new_symlink(image, dir, name.c_str(), target.c_str(), nullptr);
    } else if (fs::is_directory(status)) {
      add_directory(image, add_dir(image, dir, name), entry.path(), gate);
    } else if (fs::is_regular_file(status)) {
      auto state = std::make_unique<StreamState>();
      state->gate = gate;
      state->path = entry.path();
      state->size = static_cast<std::int64_t>(entry.file_size());
      add_file(image, dir, name, std::move(state));
    }
  }
}

} // namespace

void synthetic_bytes(std::uint64_t seed, std::int64_t file, std::int64_t offset,
                     std::span<char> out) {
  const std::uint64_t base =
      mix64(seed ^ (static_cast<std::uint64_t>(file) * 0x9e3779b97f4a7c15ULL));
  std::size_t done = 0;
  while (done < out.size()) {
    const auto position = static_cast<std::uint64_t>(offset) + done;
    const std::uint64_t word = mix64(base + (position / 8 + 1) * 0x9e3779b97f4a7c15ULL);
    const std::size_t skip = position % 8;
    const std::size_t take = std::min<std::size_t>(8 - skip, out.size() - done);
    char bytes[8];
    std::memcpy(bytes, &word, sizeof(bytes));
    std::memcpy(out.data() + done, bytes + skip, take);
    done += take;
  }
}

void add_bench_tree(IsoImage* image, const BenchSource& source,
                    const std::shared_ptr<SourceGate>& gate) {
  if (const auto* tree = std::get_if<SyntheticTree>(&source)) {
    add_synthetic(image, *tree, gate);
    return;
  }
  const auto& dir = std::get<fs::path>(source);
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    throw Error(ExitCode::action, fmt::format("The source [{}] is not a directory.", dir.string()));
  }
  try {
    add_directory(image, iso_image_get_root(image), dir, gate);
  } catch (const fs::filesystem_error& failure) {
    throw Error(ExitCode::action, fmt::format("Cannot read the source [{}]: {}", dir.string(),
                                              failure.code().message()));
  }
}

} // namespace cback::media
