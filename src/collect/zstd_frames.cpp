#include "zstd_frames.hpp"

#include "archive_output.hpp"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <stdexcept>

#include <fmt/format.h>

namespace cback::collect::detail {

namespace {

struct ContextDeleter {
  void operator()(ZSTD_CCtx* context) const noexcept { ZSTD_freeCCtx(context); }
};
using ContextPtr = std::unique_ptr<ZSTD_CCtx, ContextDeleter>;

void check(std::size_t status, const char* what) {
  if (ZSTD_isError(status) != 0U) {
    throw std::runtime_error(fmt::format("zstd {}: {}", what, ZSTD_getErrorName(status)));
  }
}

} // namespace

/// One chunk of the tar stream and, once compressed, its frame. Each chunk
/// has its own compression context, so workers share nothing.
struct ZstdFrameWriter::Chunk {
  // Allocated at first use, uninitialized: a small archive touches one
  // chunk, not the whole ring.
  std::unique_ptr<std::byte[]> input;
  std::size_t filled = 0;
  std::unique_ptr<std::byte[]> output;
  std::size_t compressed = 0;
  std::uint64_t offset = 0; ///< of its first byte in the tar stream
  ContextPtr context;
  int level;
  std::future<void> done; ///< valid while it is in flight

  explicit Chunk(int compression_level) : level(compression_level) {}

  std::span<std::byte> space() {
    if (!input) {
      input = std::make_unique_for_overwrite<std::byte[]>(k_zstd_frame_size);
    }
    return {input.get() + filled, k_zstd_frame_size - filled};
  }

  // On a worker thread.
  void compress() {
    const std::size_t bound = ZSTD_compressBound(k_zstd_frame_size);
    if (!context) {
      context.reset(ZSTD_createCCtx());
      if (!context) {
        throw std::bad_alloc();
      }
      check(ZSTD_CCtx_setParameter(context.get(), ZSTD_c_compressionLevel, level), "level");
      // A checksum per frame: `zstd -t` and a restore see a damaged frame.
      check(ZSTD_CCtx_setParameter(context.get(), ZSTD_c_checksumFlag, 1), "checksum");
      output = std::make_unique_for_overwrite<std::byte[]>(bound);
    }
    compressed = ZSTD_compress2(context.get(), output.get(), bound, input.get(), filled);
    check(compressed, "compression");
  }
};

ZstdFrameWriter::ZstdFrameWriter(ArchiveSink& sink, int level, unsigned workers)
    : m_sink(sink), m_level(level), m_pool(std::max(workers, 1U)) {
  // One chunk per worker in flight, one being filled: the workers never
  // wait for the tar encoder while it has work for them.
  for (unsigned i = 0; i <= std::max(workers, 1U); ++i) {
    m_chunks.push_back(std::make_unique<Chunk>(m_level));
  }
}

ZstdFrameWriter::~ZstdFrameWriter() {
  for (auto& chunk : m_chunks) {
    if (chunk->done.valid()) {
      chunk->done.wait();
    }
  }
}

bool ZstdFrameWriter::append(std::span<const std::byte> bytes) noexcept {
  if (m_discard) {
    return true;
  }
  while (!bytes.empty() && !m_error) {
    Chunk& chunk = *m_chunks[m_current];
    const auto space = chunk.space();
    const std::size_t take = std::min(bytes.size(), space.size());
    std::memcpy(space.data(), bytes.data(), take);
    chunk.filled += take;
    bytes = bytes.subspan(take);
    if (chunk.filled == k_zstd_frame_size) {
      submit();
    }
  }
  return !m_error;
}

bool ZstdFrameWriter::submit() noexcept {
  Chunk& chunk = *m_chunks[m_current];
  chunk.offset = m_offset;
  m_offset += chunk.filled;
  try {
    auto task = std::make_shared<std::packaged_task<void()>>([&chunk] { chunk.compress(); });
    chunk.done = task->get_future();
    m_pool.post([task] { (*task)(); });
  } catch (const std::exception& error) {
    m_error = error.what();
    return false;
  }
  m_current = (m_current + 1) % m_chunks.size();
  Chunk& next = *m_chunks[m_current];
  return !next.done.valid() || drain(next);
}

bool ZstdFrameWriter::drain(Chunk& chunk) noexcept {
  try {
    chunk.done.get();
  } catch (const std::exception& error) {
    m_error = error.what();
  }
  if (!m_error) {
    m_frames.push_back(IndexFrame{m_sink.size(), chunk.offset});
    if (!m_sink.append({chunk.output.get(), chunk.compressed})) {
      m_error = m_sink.error().value_or("cannot write the archive");
    }
  }
  chunk.filled = 0;
  return !m_error;
}

bool ZstdFrameWriter::finish() noexcept {
  if (m_chunks[m_current]->filled > 0 && !m_error) {
    submit();
  }
  // The ring from the oldest frame in flight on: the one after the current.
  for (std::size_t i = 1; i <= m_chunks.size() && !m_error; ++i) {
    Chunk& chunk = *m_chunks[(m_current + i) % m_chunks.size()];
    if (chunk.done.valid()) {
      drain(chunk);
    }
  }
  return !m_error;
}

} // namespace cback::collect::detail
