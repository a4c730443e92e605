#include <cback/restore/frame_stream.hpp>

#include <cback/core/error.hpp>

#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

namespace cback::restore {
namespace {

constexpr std::size_t k_input_block = 256 << 10;
// Decompressed a block at a time to check frames: small, since fresh
// memory costs a page fault per page.
constexpr std::size_t k_check_block = 256 << 10;

struct DctxFree {
  void operator()(ZSTD_DCtx* context) const noexcept { ZSTD_freeDCtx(context); }
};

class FrameStream final : public ByteStream {
public:
  FrameStream(SourceFile& file, std::uint64_t compressed_offset, std::uint64_t skip,
              std::string name)
      : m_file(file), m_offset(compressed_offset), m_skip(skip), m_name(std::move(name)),
        m_context(ZSTD_createDCtx()),
        m_input(std::make_unique_for_overwrite<std::byte[]>(k_input_block)) {
    if (!m_context) {
      throw Error(ExitCode::action, "Cannot decompress: out of memory");
    }
  }

  std::size_t read(std::span<std::byte> out) override {
    while (true) {
      const std::size_t produced = decompress(out);
      if (produced == 0) {
        return 0;
      }
      if (m_skip == 0) {
        return produced;
      }
      // Bytes of the first frame before the wanted offset.
      const auto dropped = static_cast<std::size_t>(std::min<std::uint64_t>(m_skip, produced));
      m_skip -= dropped;
      if (dropped < produced) {
        std::copy(out.begin() + static_cast<std::ptrdiff_t>(dropped),
                  out.begin() + static_cast<std::ptrdiff_t>(produced), out.begin());
        return produced - dropped;
      }
    }
  }

private:
  // Some bytes of output, 0 only at the end of the file.
  std::size_t decompress(std::span<std::byte> out) {
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    while (output.pos == 0) {
      if (m_in.pos == m_in.size) {
        const std::size_t got = m_file.read_at(m_offset, std::span(m_input.get(), k_input_block));
        m_offset += got;
        if (got == 0) {
          if (m_last != 0) {
            fail("it ends inside a zstd frame");
          }
          return 0;
        }
        m_in = {m_input.get(), got, 0};
      }
      m_last = ZSTD_decompressStream(m_context.get(), &output, &m_in);
      if (ZSTD_isError(m_last)) {
        fail(ZSTD_getErrorName(m_last));
      }
    }
    return output.pos;
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw Error(ExitCode::action,
                fmt::format("The archive [{}] is damaged or unreadable: {}", m_name, why));
  }

  SourceFile& m_file;
  std::uint64_t m_offset;
  std::uint64_t m_skip;
  std::string m_name;
  std::unique_ptr<ZSTD_DCtx, DctxFree> m_context;
  std::unique_ptr<std::byte[]> m_input; ///< k_input_block bytes, not zeroed
  ZSTD_inBuffer m_in{nullptr, 0, 0};
  std::size_t m_last = 0; ///< ZSTD_decompressStream's last hint: 0 at a frame's end
};

// The place of the frame that holds uncompressed `offset`.
std::size_t frame_of(const collect::ContentIndex& index, std::uint64_t offset) {
  const auto after = std::upper_bound(
      index.frames.begin(), index.frames.end(), offset,
      [](std::uint64_t wanted, const collect::IndexFrame& frame) { return wanted < frame.offset; });
  return after == index.frames.begin()
             ? 0
             : static_cast<std::size_t>(std::prev(after) - index.frames.begin());
}

// The uncompressed bytes from `offset` on, decompressed from the frame
// that holds it.
std::unique_ptr<ByteStream> frames_from(SourceFile& file, const collect::ContentIndex& index,
                                        std::uint64_t offset, std::string name) {
  const collect::IndexFrame start =
      index.frames.empty() ? collect::IndexFrame{} : index.frames[frame_of(index, offset)];
  return std::make_unique<FrameStream>(file, start.compressed_offset, offset - start.offset,
                                       std::move(name));
}

// Bytes kept in memory, then the archive from where they end: that stream
// is opened only if it is read (a small file's entry is all in memory).
class KeptStream final : public ByteStream {
public:
  KeptStream(std::span<const std::byte> kept, SourceFile& file, const collect::ContentIndex& index,
             std::uint64_t end, std::string name)
      : m_kept(kept), m_file(file), m_index(index), m_end(end), m_name(std::move(name)) {}

  std::size_t read(std::span<std::byte> out) override {
    if (m_kept.empty()) {
      if (!m_rest) {
        m_rest = frames_from(m_file, m_index, m_end, m_name);
      }
      return m_rest->read(out);
    }
    const std::size_t n = std::min(out.size(), m_kept.size());
    std::copy_n(m_kept.begin(), n, out.begin());
    m_kept = m_kept.subspan(n);
    return n;
  }

private:
  std::span<const std::byte> m_kept;
  SourceFile& m_file;
  const collect::ContentIndex& m_index;
  std::uint64_t m_end;
  std::string m_name;
  std::unique_ptr<ByteStream> m_rest;
};

// The wanted ranges to keep, merged, by first byte → end: those of a known
// size (not running to the end of the archive), in order, as long as
// they fit in `room` bytes together.
std::map<std::uint64_t, std::uint64_t>
kept_ranges(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges,
            std::uint64_t room) {
  std::map<std::uint64_t, std::uint64_t> merged;
  auto sorted = ranges;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [first, end] : sorted) {
    if (!merged.empty() && first <= std::prev(merged.end())->second) {
      auto& last_end = std::prev(merged.end())->second;
      last_end = std::max(last_end, end);
    } else if (first < end) {
      merged.emplace(first, end);
    }
  }
  std::map<std::uint64_t, std::uint64_t> kept;
  for (const auto& [first, end] : merged) {
    if (end == UINT64_MAX || end - first > room) {
      break;
    }
    room -= end - first;
    kept.emplace(first, end);
  }
  return kept;
}

// Appends what of `bytes` (uncompressed, from `offset`) falls in a kept
// range to that range's copy in `keep`.
void keep_bytes(const std::map<std::uint64_t, std::uint64_t>& kept, std::uint64_t offset,
                std::span<const std::byte> bytes, CheckedFrames& keep) {
  const std::uint64_t bytes_end = offset + bytes.size();
  auto range = kept.upper_bound(offset);
  if (range != kept.begin()) {
    --range;
  }
  for (; range != kept.end() && range->first < bytes_end; ++range) {
    const std::uint64_t from = std::max(range->first, offset);
    const std::uint64_t to = std::min(range->second, bytes_end);
    if (from >= to) {
      continue;
    }
    auto& copy = keep.runs[range->first];
    if (copy.size() != from - range->first) {
      continue; // not contiguous: a range read twice is kept once
    }
    copy.insert(copy.end(), bytes.begin() + static_cast<std::ptrdiff_t>(from - offset),
                bytes.begin() + static_cast<std::ptrdiff_t>(to - offset));
    keep.bytes += to - from;
  }
}

} // namespace

std::size_t check_frames(SourceFile& file, const collect::ContentIndex& index,
                         const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges,
                         const std::string& name, CheckedFrames* keep, std::uint64_t keep_limit) {
  std::set<std::size_t> frames;
  for (const auto& [first, end] : ranges) {
    const std::size_t last = frame_of(index, end == 0 ? 0 : end - 1);
    for (std::size_t i = frame_of(index, first); i <= last; ++i) {
      frames.insert(i);
    }
  }
  const auto kept = keep != nullptr ? kept_ranges(ranges, keep_limit - keep->bytes)
                                    : std::map<std::uint64_t, std::uint64_t>{};
  const auto block = std::make_unique_for_overwrite<std::byte[]>(k_check_block);
  auto it = frames.begin();
  while (it != frames.end()) {
    // A run of consecutive frames is decompressed in one go, one byte past
    // its last frame (or to the end of the archive): the decoder has then
    // read that frame's checksum.
    std::size_t last = *it;
    auto next = std::next(it);
    while (next != frames.end() && *next == last + 1) {
      last = *next++;
    }
    const std::uint64_t start = index.frames[*it].offset;
    const bool to_end = last + 1 == index.frames.size();
    const std::uint64_t length = to_end ? UINT64_MAX : index.frames[last + 1].offset - start + 1;
    FrameStream stream(file, index.frames[*it].compressed_offset, 0, name);
    std::uint64_t done = 0;
    while (done < length) {
      const auto want =
          static_cast<std::size_t>(std::min<std::uint64_t>(k_check_block, length - done));
      const std::size_t got = stream.read(std::span(block.get(), want));
      if (got == 0) {
        break;
      }
      if (keep != nullptr) {
        keep_bytes(kept, start + done, std::span<const std::byte>(block.get(), got), *keep);
      }
      done += got;
    }
    it = next;
  }
  if (keep != nullptr) {
    // A range the archive ended before is not kept: reading it again
    // reports the damage.
    for (const auto& [first, end] : kept) {
      const auto found = keep->runs.find(first);
      if (found != keep->runs.end() && found->second.size() != end - first) {
        keep->bytes -= found->second.size();
        keep->runs.erase(found);
      }
    }
  }
  return frames.size();
}

std::unique_ptr<ByteStream> frame_stream(SourceFile& file, const collect::ContentIndex& index,
                                         std::uint64_t offset, std::string name,
                                         const CheckedFrames& checked) {
  auto run = checked.runs.upper_bound(offset);
  if (run != checked.runs.begin()) {
    --run;
    const std::uint64_t end = run->first + run->second.size();
    if (offset < end) {
      const auto bytes = std::span<const std::byte>(run->second)
                             .subspan(static_cast<std::size_t>(offset - run->first));
      return std::make_unique<KeptStream>(bytes, file, index, end, std::move(name));
    }
  }
  return frames_from(file, index, offset, std::move(name));
}

} // namespace cback::restore
