#pragma once

// The generated source of cback-bench burn: a tree of files whose content
// is a function of a seed, written to disk before the bench so that the
// image is built from files exactly as the store builds it.

#include <cstdint>
#include <filesystem>
#include <span>

namespace cback::bench_burn {

/// A generated tree: `files` files of together `bytes` bytes, in
/// directories of 100, their content a function of (seed, file, offset).
struct SyntheticTree {
  std::int64_t bytes = 0;
  int files = 1;
  std::uint64_t seed = 1;
};

/// Fills `out` with the bytes of generated file `file` from `offset`: the
/// same bytes whatever the read sizes (each 8-byte word is a hash of its
/// position).
void synthetic_bytes(std::uint64_t seed, std::int64_t file, std::int64_t offset,
                     std::span<char> out);

/// Writes the files of `tree` into the existing directory `dir`
/// (dir-000/file-00000.bin, ...). Throws cback::Error(action) naming the
/// file that cannot be written.
void write_synthetic_tree(const SyntheticTree& tree, const std::filesystem::path& dir);

} // namespace cback::bench_burn
