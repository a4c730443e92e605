#pragma once

// The tar bytes of a tarzst archive written as independent zstd frames
// (docs/manifest.md, "Content index"), from any uncompressed offset: the
// decompression starts at the frame that holds the offset, so reading one
// entry of a large archive reads the frames that hold it and nothing
// before them.

#include <cback/collect/content_index.hpp>
#include <cback/restore/archive_reader.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cback::restore {

/// The wanted bytes that check_frames decompressed and checked, kept so
/// that reading them does not decompress them again: by uncompressed
/// offset, a range of wanted entries' bytes.
struct CheckedFrames {
  std::map<std::uint64_t, std::vector<std::byte>> runs;
  std::uint64_t bytes = 0;
};

/// The uncompressed bytes of `file` from `offset` on, decompressed from the
/// last frame of `index` that starts at or before it; what `checked` holds
/// is taken from it. Errors (a corrupt frame, a frame checksum that does
/// not match) name `name`.
std::unique_ptr<ByteStream> frame_stream(SourceFile& file, const collect::ContentIndex& index,
                                         std::uint64_t offset, std::string name,
                                         const CheckedFrames& checked = {});

/// Decompresses every frame that holds a byte of the uncompressed ranges
/// [first, second) (the end of a range past the last frame means the end
/// of the archive), so that each one's zstd checksum is checked, and
/// returns how many frames that was. Throws cback::Error naming `name` at
/// the first damaged frame. With `keep`, the bytes of the ranges are kept
/// in it, in order, those of each range (merged with those that overlap it)
/// only when all of them fit with `keep` holding at most `keep_limit` bytes.
std::size_t check_frames(SourceFile& file, const collect::ContentIndex& index,
                         const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges,
                         const std::string& name, CheckedFrames* keep = nullptr,
                         std::uint64_t keep_limit = 0);

} // namespace cback::restore
