#include <cback/restore/frame_stream.hpp>

#include <cback/core/error.hpp>

#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>
#include <set>
#include <vector>

namespace cback::restore {
namespace {

constexpr std::size_t k_input_block = 256 << 10;

struct DctxFree {
  void operator()(ZSTD_DCtx* context) const noexcept { ZSTD_freeDCtx(context); }
};

class FrameStream final : public ByteStream {
public:
  FrameStream(SourceFile& file, std::uint64_t compressed_offset, std::uint64_t skip,
              std::string name)
      : m_file(file), m_offset(compressed_offset), m_skip(skip), m_name(std::move(name)),
        m_context(ZSTD_createDCtx()), m_input(k_input_block) {
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
        const std::size_t got = m_file.read_at(m_offset, m_input);
        m_offset += got;
        if (got == 0) {
          if (m_last != 0) {
            fail("it ends inside a zstd frame");
          }
          return 0;
        }
        m_in = {m_input.data(), got, 0};
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
  std::vector<std::byte> m_input;
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

} // namespace

std::size_t check_frames(SourceFile& file, const collect::ContentIndex& index,
                         const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges,
                         const std::string& name) {
  std::set<std::size_t> frames;
  for (const auto& [first, end] : ranges) {
    const std::size_t last = frame_of(index, end == 0 ? 0 : end - 1);
    for (std::size_t i = frame_of(index, first); i <= last; ++i) {
      frames.insert(i);
    }
  }
  std::vector<std::byte> block(1 << 20);
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
          static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), length - done));
      const std::size_t got = stream.read(std::span(block.data(), want));
      if (got == 0) {
        break;
      }
      done += got;
    }
    it = next;
  }
  return frames.size();
}

std::unique_ptr<ByteStream> frame_stream(SourceFile& file, const collect::ContentIndex& index,
                                         std::uint64_t offset, std::string name) {
  const collect::IndexFrame start =
      index.frames.empty() ? collect::IndexFrame{} : index.frames[frame_of(index, offset)];
  return std::make_unique<FrameStream>(file, start.compressed_offset, offset - start.offset,
                                       std::move(name));
}

} // namespace cback::restore
