#include <cback/io/file_writer.hpp>

#include <algorithm>
#include <cerrno>

namespace cback::io {

FileWriter::FileWriter(Engine& engine, int fd, std::filesystem::path path,
                       std::uint64_t start_offset)
    : m_engine(&engine), m_fd(fd), m_path(std::move(path)), m_slots(engine.depth()),
      m_next_offset(start_offset), m_writeback_from(start_offset), m_written_to(start_offset) {
  for (std::size_t i = m_slots.size(); i > 0; --i) {
    m_free_slots.push_back(i - 1);
  }
}

FileWriter::~FileWriter() {
  while (m_engine->in_flight() > 0) {
    wait_one();
  }
}

Result<void> FileWriter::write(core::Buffer buffer) {
  // Give back the buffers of writes already done before taking a slot.
  while (auto completion = m_engine->poll()) {
    handle(*completion);
  }
  while (!m_error && m_free_slots.empty()) {
    wait_one();
  }
  if (m_error) {
    return tl::make_unexpected(*m_error);
  }
  if (buffer.size() == 0) {
    return {};
  }
  if (m_writeback_step > 0 && m_written_to - m_writeback_from >= m_writeback_step) {
    start_write_back();
  }
  wait_for_room();
  const std::size_t index = m_free_slots.back();
  m_free_slots.pop_back();
  Slot& slot = m_slots[index];
  slot.offset = m_next_offset;
  slot.written = 0;
  m_next_offset += buffer.size();
  slot.buffer = std::move(buffer);
  start(index);
  return {};
}

void FileWriter::start(std::size_t index) {
  Slot& slot = m_slots[index];
  m_engine->start_write(m_fd, slot.buffer.bytes().subspan(slot.written), slot.offset + slot.written,
                        index);
}

namespace {
constexpr std::uint64_t k_sync_token = ~std::uint64_t{0};
constexpr std::uint64_t k_writeback_token = k_sync_token - 1;
} // namespace

void FileWriter::start_write_back() {
  wait_for_room();
  m_engine->start_writeback(m_fd, m_writeback_from, m_written_to - m_writeback_from,
                            k_writeback_token);
  m_writeback_from = m_written_to;
}

void FileWriter::wait_one() {
  handle(m_engine->wait());
}

void FileWriter::wait_for_room() {
  while (m_engine->in_flight() >= m_engine->depth()) {
    wait_one();
  }
}

void FileWriter::handle(const Completion& completion) {
  if (completion.token == k_writeback_token) {
    return; // only advice to the kernel: sync() reports what matters
  }
  Slot& slot = m_slots[completion.token];
  if (completion.result > 0 && !m_error) {
    slot.written += static_cast<std::size_t>(completion.result);
    if (slot.written < slot.buffer.size()) {
      start(completion.token); // a short write: the rest goes on from there
      return;
    }
    m_written_to = std::max(m_written_to, slot.offset + slot.buffer.size());
  } else if (!m_error) {
    // 0 bytes for a non-empty write would loop forever: call it EIO.
    const int error = completion.result < 0 ? static_cast<int>(-completion.result) : EIO;
    m_error = IoError{"write", m_path, error};
  }
  slot.buffer.release();
  m_free_slots.push_back(completion.token);
}

Result<void> FileWriter::flush() {
  while (m_engine->in_flight() > 0) {
    wait_one();
  }
  if (m_error) {
    return tl::make_unexpected(*m_error);
  }
  return {};
}

Result<void> FileWriter::sync() {
  if (auto flushed = flush(); !flushed) {
    return flushed;
  }
  m_engine->start_fdatasync(m_fd, k_sync_token);
  const Completion completion = m_engine->wait();
  if (completion.result < 0) {
    m_error = IoError{"fdatasync", m_path, static_cast<int>(-completion.result)};
    return tl::make_unexpected(*m_error);
  }
  return {};
}

} // namespace cback::io
