#include <cback/io/stream_reader.hpp>

#include <algorithm>
#include <cerrno>
#include <limits>

namespace cback::io {

StreamReader::StreamReader(Engine& engine, int fd, std::filesystem::path path,
                           core::BufferPool& pool, std::optional<std::uint64_t> size)
    : m_engine(&engine), m_fd(fd), m_path(std::move(path)), m_pool(&pool),
      m_limit(size.value_or(std::numeric_limits<std::uint64_t>::max())) {}

StreamReader::~StreamReader() {
  drain();
}

void StreamReader::drain() {
  while (m_engine->in_flight() > 0) {
    m_engine->wait();
  }
  m_chunks.clear();
}

bool StreamReader::fill_read_ahead() {
  while (!m_end_seen && m_next_offset < m_limit && m_engine->in_flight() < m_engine->depth()) {
    // Wait for a buffer only when nothing is in flight; otherwise read ahead
    // only into buffers that are free now.
    auto buffer = m_chunks.empty() ? m_pool->acquire() : m_pool->try_acquire();
    if (!buffer) {
      return !m_chunks.empty();
    }
    Chunk& chunk = m_chunks.emplace_back();
    chunk.buffer = std::move(*buffer);
    chunk.offset = m_next_offset;
    const auto length = static_cast<std::size_t>(
        std::min<std::uint64_t>(chunk.buffer.capacity(), m_limit - m_next_offset));
    m_next_offset += length;
    m_engine->start_read(m_fd, chunk.buffer.space().first(length), chunk.offset,
                         m_front_token + m_chunks.size() - 1);
  }
  return true;
}

Result<std::optional<core::Buffer>> StreamReader::next() {
  if (m_error) {
    return tl::make_unexpected(*m_error);
  }
  if (m_finished || m_end_seen) {
    // A short chunk ended the file: reads started after it are dropped.
    m_finished = true;
    drain();
    return std::optional<core::Buffer>{};
  }
  if (!fill_read_ahead()) {
    m_error = IoError{"read", m_path, ECANCELED};
    drain();
    return tl::make_unexpected(*m_error);
  }
  if (m_chunks.empty()) { // the caller's size is reached
    m_finished = true;
    return std::optional<core::Buffer>{};
  }
  while (!m_chunks.front().done) {
    const Completion completion = m_engine->wait();
    Chunk& chunk = m_chunks[completion.token - m_front_token];
    chunk.done = true;
    chunk.result = completion.result;
  }
  Chunk chunk = std::move(m_chunks.front());
  m_chunks.pop_front();
  ++m_front_token;
  if (chunk.result < 0) {
    m_error = IoError{"read", m_path, static_cast<int>(-chunk.result)};
    drain();
    return tl::make_unexpected(*m_error);
  }
  const auto length = static_cast<std::size_t>(chunk.result);
  if (length < chunk.buffer.capacity()) {
    m_end_seen = true;
  }
  if (length == 0) {
    m_finished = true;
    drain();
    return std::optional<core::Buffer>{};
  }
  chunk.buffer.resize(length);
  m_bytes_read += length;
  return std::optional<core::Buffer>{std::move(chunk.buffer)};
}

} // namespace cback::io
