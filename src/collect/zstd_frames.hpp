#pragma once

// The tarzst compressor of the archive writer (src/collect/archive_output):
// the tar stream cut into chunks of k_zstd_frame_size bytes, each
// compressed on a worker thread into an independent zstd frame, the frames
// appended to the archive in order. The file is one valid .tar.zst (zstd
// and GNU tar read concatenated frames as one stream); the content index
// records where each frame starts, so that a restore decompresses only the
// frames that hold the entry it wants. Private to the archive writer.

#include <cback/collect/content_index.hpp>
#include <cback/core/thread_pool.hpp>

#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cback::collect::detail {

class ArchiveSink;

/// Uncompressed bytes per frame. 1 MiB: a restore of one small file reads
/// and decompresses one frame of it (about half a MiB of a disc) rather
/// than the archive, and on a cold cache reading that frame is a good part
/// of the restore's time (4 MiB frames cost it about 15 ms more,
/// docs/performance.md, "Restore"); each frame still gives a worker some
/// milliseconds of work, so handing chunks over costs nothing next to
/// compressing them; and the ratio stays within a fraction of a percent of
/// 4 MiB frames (0.2 % on the benchmark's mixed tree at level 3).
inline constexpr std::size_t k_zstd_frame_size = std::size_t{1} << 20;

class ZstdFrameWriter {
public:
  /// Compresses at `level` on `workers` threads (at least 1) into `sink`.
  ZstdFrameWriter(ArchiveSink& sink, int level, unsigned workers);
  /// Waits for the chunks in flight; what they produce is dropped unless
  /// finish() was called.
  ~ZstdFrameWriter();
  ZstdFrameWriter(const ZstdFrameWriter&) = delete;
  ZstdFrameWriter& operator=(const ZstdFrameWriter&) = delete;

  /// Takes the next bytes of the tar stream; false once compressing or
  /// writing failed (error() says why). Never throws: it runs inside a
  /// libarchive callback.
  bool append(std::span<const std::byte> bytes) noexcept;
  /// Compresses the last chunk and appends every frame still in flight.
  /// False (error() says why) when that failed.
  bool finish() noexcept;
  /// From now on append() drops what it is given: the archive is being
  /// abandoned.
  void discard() noexcept { m_discard = true; }

  [[nodiscard]] const std::optional<std::string>& error() const noexcept { return m_error; }
  /// Where each frame appended so far starts; the first is {0, 0}.
  [[nodiscard]] const std::vector<IndexFrame>& frames() const noexcept { return m_frames; }

private:
  struct Chunk;
  /// Hands the chunk being filled to a worker and moves on to the next
  /// one, first appending that one's frame if it is still in flight.
  bool submit() noexcept;
  /// Waits for `chunk`'s frame and appends it to the sink.
  bool drain(Chunk& chunk) noexcept;

  ArchiveSink& m_sink;
  int m_level;
  std::vector<std::unique_ptr<Chunk>> m_chunks; ///< a ring: one filling, the others in flight
  std::size_t m_current = 0;
  std::uint64_t m_offset = 0; ///< uncompressed bytes taken before the current chunk
  std::vector<IndexFrame> m_frames;
  std::optional<std::string> m_error;
  bool m_discard = false;
  core::ThreadPool m_pool; ///< last: joined before the chunks go
};

} // namespace cback::collect::detail
