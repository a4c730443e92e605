#pragma once

// The collect manifest, `cback.manifest` in collect_dir: what one collect
// run wrote (each archive with its size and SHA-256), which items failed and
// which paths had problems, and which paths of incremental items were
// deleted since the state they were compared with. Stage and store read it
// to verify the archives they move; a restore reads the deleted paths. The
// format is docs/manifest.md; the file is written atomically.

#include <cback/collect/problem.hpp>
#include <cback/core/digest.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace cback::collect {

inline constexpr std::string_view k_manifest_file_name = "cback.manifest";

/// The head of a content index (collect::content_index_head_size): its
/// first bytes, up to the entries, which hold each block's SHA-256.
struct ManifestIndexHead {
  std::uint64_t size = 0;
  core::Digest sha256{};
  bool operator==(const ManifestIndexHead&) const = default;
};

struct ManifestArchive {
  std::string name; ///< file name in collect_dir, e.g. "etc.tar.gz"
  std::uint64_t size = 0;
  core::Digest sha256{};
  /// A content index's head, from a version 4 manifest's head record: a
  /// restore reads and checks the head and the blocks it needs, not the
  /// whole index.
  std::optional<ManifestIndexHead> head{};
  bool operator==(const ManifestArchive&) const = default;
};

/// A path of an incremental item that was in the state it was compared with
/// and is gone now (deleted, renamed away or newly excluded): a restore that
/// extracts the week's archives in order removes it afterwards.
struct ManifestDeletion {
  std::string item; ///< the item's configured path
  std::string path; ///< the deleted path
  bool operator==(const ManifestDeletion&) const = default;
};

/// The version encode_manifest writes; decode_manifest also reads versions
/// 1 (no deleted records), 2 (no index records) and 3 (no head records).
inline constexpr int k_manifest_version = 4;

struct Manifest {
  std::string date;                      ///< the collect's day, YYYY-MM-DD
  std::vector<ManifestArchive> archives; ///< written by this run
  std::vector<ManifestArchive> indexes;  ///< the content index of each archive, same order
  std::vector<Problem> failed_items;     ///< item path, why it failed
  std::vector<Problem> problems;         ///< per-path problems of items that were collected
  std::vector<ManifestDeletion> deleted; ///< incremental items, item order, paths sorted
  bool operator==(const Manifest&) const = default;
};

std::string encode_manifest(const Manifest& manifest);
/// Parses encode_manifest's output; the error says which line and why.
tl::expected<Manifest, std::string> decode_manifest(std::string_view text);
/// Reads and parses a manifest file; the error names the path.
tl::expected<Manifest, std::string> load_manifest(const std::filesystem::path& path);
/// Writes the manifest atomically (PATH.partial, fsync, rename). Throws
/// cback::Error(ExitCode::action) naming the path when it cannot.
void write_manifest(const std::filesystem::path& path, const Manifest& manifest);

} // namespace cback::collect
