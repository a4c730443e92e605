#pragma once

// The content index of one archive, `<archive name>.index` next to the
// archive in collect_dir: every entry of the archive (path, type, size,
// mode, owner, mtime and the offset of its first header in the
// uncompressed tar stream) and, for a tarzst archive written as a sequence
// of independent zstd frames, where each frame starts. A restore reads only
// indexes to find a path, and reads only the frames that hold an entry to
// extract it. Collect writes the index after the archive; the manifest
// lists it with its size and SHA-256 like an archive, so stage and store
// carry and check it, and with the size and SHA-256 of its head, so that
// a restore can read the head and the blocks it needs alone. The format
// is docs/manifest.md, "Content index".

#include <cback/config/model.hpp>
#include <cback/core/digest.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

struct archive_entry;

namespace cback::collect {

/// The suffix added to an archive's file name: "etc.tar.zst.index".
inline constexpr std::string_view k_content_index_suffix = ".index";

/// The version collect writes; versions 1 (no block table) and 2 (no
/// block digests) are still read.
inline constexpr int k_content_index_version = 3;
/// How many entries versions 2 and 3 put in one block.
inline constexpr std::size_t k_index_block_entries = 256;

enum class IndexEntryType { file, directory, symlink, hardlink, other };

struct IndexEntry {
  std::string path; ///< the member name as stored in the tar ("etc/hosts", no leading '/')
  IndexEntryType type = IndexEntryType::file;
  std::uint64_t size = 0; ///< data bytes (0 for all but files)
  std::uint32_t mode = 0; ///< permission bits (07777)
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::int64_t mtime = 0; ///< seconds since the epoch
  std::uint64_t offset =
      0; ///< uncompressed offset of the entry's first header (a pax header if any)
  bool operator==(const IndexEntry&) const = default;
};

/// The start of one independent zstd frame: its offset in the compressed
/// file and the uncompressed offset of its first byte. The first frame is
/// {0, 0}; frames are in increasing order of both.
struct IndexFrame {
  std::uint64_t compressed_offset = 0;
  std::uint64_t offset = 0;
  bool operator==(const IndexFrame&) const = default;
};

enum class ArchiveKind { full, incremental };

struct ContentIndex {
  std::string archive; ///< the archive's file name in collect_dir
  std::string item;    ///< the configured path of the item the archive belongs to
  ArchiveKind kind = ArchiveKind::full;
  bool cumulative = false; ///< an incremental holding every change since the week's full one
  config::ArchiveMode mode = config::ArchiveMode::tarzst;
  std::vector<IndexFrame> frames;  ///< tarzst only; empty for the other modes
  std::vector<IndexEntry> entries; ///< in archive order
  bool operator==(const ContentIndex&) const = default;
};

std::string encode_content_index(const ContentIndex& index);
/// Parses encode_content_index's output (or a version 1 index) whole; the
/// error says which line and why.
tl::expected<ContentIndex, std::string> decode_content_index(std::string_view text);
/// The bytes of the head of an index encode_content_index wrote: its lines
/// before the first entry (or the end line). The manifest lists its size
/// and SHA-256, so that a restore can trust the head, and through its
/// block digests each block, without reading the rest.
std::size_t content_index_head_size(std::string_view encoded);

/// A run of consecutive entries of a version 2 or 3 index, as its block
/// table describes it.
struct IndexBlock {
  std::size_t first = 0;              ///< the place of its first entry
  std::size_t count = 0;              ///< entries
  std::size_t text_offset = 0;        ///< of its first line in the index text
  std::size_t text_size = 0;          ///< of its lines
  std::uint64_t first_offset = 0;     ///< the archive offset of its first entry
  std::string min_path, max_path;     ///< its smallest and largest path, as stored
  std::optional<core::Digest> sha256; ///< of its lines; version 3
};

/// An index decoded a block of entries at a time, so that finding one
/// path decodes the header, the frames, the block table and the one or two
/// blocks whose path range holds it, not every entry. A version 1 index
/// (no block table) is decoded whole when opened. Every block is checked
/// as it is decoded; a damaged one is refused then, naming its line.
/// Opened by its head (version 3), a block is also read only then, and
/// its bytes checked against its digest first.
class PartialIndex {
public:
  /// Decodes the header, frames and block table of `text`, which it keeps.
  static tl::expected<PartialIndex, std::string> open(std::string text);

  /// Reads `size` bytes of the index file at `offset` (an error names the
  /// file; the reader throws).
  using ReadAt = std::function<std::string(std::uint64_t offset, std::size_t size)>;
  /// Decodes `head`, the head of a version 3 index of `file_size` bytes
  /// (content_index_head_size; the caller has checked it against the
  /// manifest), and reads each block through `read` when it is first
  /// decoded, checking its bytes against the block's SHA-256 before
  /// anything of it is used. The blocks and the end line must fill the
  /// file exactly.
  static tl::expected<PartialIndex, std::string> open_head(std::string head,
                                                           std::uint64_t file_size, ReadAt read);

  /// The index's header and frames. Its entries are kept by block, each
  /// once it is decoded: entry() and entries_of(); `entries` is empty.
  [[nodiscard]] const ContentIndex& index() const noexcept { return m_index; }
  [[nodiscard]] std::size_t entry_count() const noexcept { return m_entry_count; }
  /// The entry at `place` (< entry_count()), once decoded (std::logic_error
  /// before).
  [[nodiscard]] const IndexEntry& entry(std::size_t place) const;
  /// The entries of one run decode_below or decode_at gave.
  [[nodiscard]] std::span<IndexEntry> entries_of(std::pair<std::size_t, std::size_t> run);
  /// Decodes every block and gives the whole index, the entries moved into
  /// it.
  tl::expected<ContentIndex, std::string> whole() &&;

  /// Runs of entries, as the places [first, first + count).
  using Places = std::vector<std::pair<std::size_t, std::size_t>>;
  /// Decodes every block that can hold `member` or an entry below it ("":
  /// every block) and gives their places: all the entries at or below
  /// `member` are in them.
  tl::expected<Places, std::string> decode_below(std::string_view member);
  /// Decodes the block that holds the entry at `place` (< entries.size())
  /// and gives its places.
  tl::expected<Places, std::string> decode_at(std::size_t place);
  /// Whether the entry at `place` is decoded.
  [[nodiscard]] bool decoded(std::size_t place) const;

private:
  /// Sizes the entries and marks the blocks undecoded, once the head is read.
  tl::expected<void, std::string> lay_out(std::size_t entries, std::size_t head_lines);
  tl::expected<Places, std::string> decode_blocks(const std::vector<std::size_t>& wanted);
  /// `given`: the block's bytes, read with others (opened by its head).
  tl::expected<void, std::string> decode_block(std::size_t block, Places& places,
                                               std::optional<std::string_view> given = {});
  /// The block that holds the entry at `place` (m_blocks not empty).
  [[nodiscard]] std::size_t block_of(std::size_t place) const;

  std::string m_text;   ///< the whole index; empty when opened by its head
  ReadAt m_read;        ///< reads a block when opened by its head
  ContentIndex m_index; ///< without its entries
  std::size_t m_entry_count = 0;
  std::vector<IndexBlock> m_blocks; ///< empty for version 1: all decoded
  /// By block, empty until it is decoded; one vector of every entry when
  /// m_blocks is empty.
  std::vector<std::vector<IndexEntry>> m_entries;
  std::vector<bool> m_block_decoded;
  std::size_t m_head_lines = 0; ///< lines before the first entry
};
/// Reads and parses an index file; the error names the path.
tl::expected<ContentIndex, std::string> load_content_index(const std::filesystem::path& path);

/// The record of a tar entry (written by collect or read back by a restore)
/// whose first header is at `offset`, under the member name `path`: its
/// type (a hard link before its file type), size (files only), permission
/// bits, owner and mtime, as the entry holds them.
IndexEntry index_entry_of(archive_entry* entry, std::string path, std::uint64_t offset);

} // namespace cback::collect
