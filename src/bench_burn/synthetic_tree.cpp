#include <cback/bench_burn/synthetic_tree.hpp>

#include <cback/core/atomic_file.hpp>
#include <cback/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <system_error>
#include <vector>

namespace cback::bench_burn {
namespace {

namespace fs = std::filesystem;

constexpr int k_files_per_dir = 100;
constexpr std::int64_t k_chunk = 1024 * 1024;

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void write_file(const fs::path& path, std::uint64_t seed, std::int64_t file, std::int64_t size) {
  core::AtomicFile out(path, 0644);
  std::vector<char> chunk(static_cast<std::size_t>(std::min(size, k_chunk)));
  for (std::int64_t offset = 0; offset < size;) {
    const auto length = static_cast<std::size_t>(std::min(size - offset, k_chunk));
    synthetic_bytes(seed, file, offset, std::span<char>(chunk.data(), length));
    out.write(std::string_view(chunk.data(), length));
    offset += static_cast<std::int64_t>(length);
  }
  out.commit();
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

void write_synthetic_tree(const SyntheticTree& tree, const fs::path& dir) {
  const int files = std::max(tree.files, 1);
  const std::int64_t each = tree.bytes / files;
  fs::path subdir;
  for (int index = 0; index < files; ++index) {
    if (index % k_files_per_dir == 0) {
      subdir = dir / fmt::format("dir-{:03}", index / k_files_per_dir);
      std::error_code error;
      if (!fs::create_directory(subdir, error) && error) {
        throw Error(ExitCode::action, fmt::format("Cannot make the directory [{}]: {}",
                                                  subdir.string(), error.message()));
      }
    }
    const std::int64_t size = each + (index + 1 == files ? tree.bytes % files : 0);
    write_file(subdir / fmt::format("file-{:05}.bin", index), tree.seed, index, size);
  }
}

} // namespace cback::bench_burn
