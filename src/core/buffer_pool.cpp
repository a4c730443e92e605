#include <cback/core/buffer_pool.hpp>

#include <cassert>
#include <new>
#include <utility>

namespace cback::core {

Buffer::Buffer(Buffer&& other) noexcept
    : m_pool(std::exchange(other.m_pool, nullptr)), m_data(std::exchange(other.m_data, nullptr)),
      m_capacity(std::exchange(other.m_capacity, 0)), m_size(std::exchange(other.m_size, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    release();
    m_pool = std::exchange(other.m_pool, nullptr);
    m_data = std::exchange(other.m_data, nullptr);
    m_capacity = std::exchange(other.m_capacity, 0);
    m_size = std::exchange(other.m_size, 0);
  }
  return *this;
}

void Buffer::resize(std::size_t size) noexcept {
  assert(size <= m_capacity);
  m_size = size;
}

void Buffer::release() noexcept {
  if (m_pool != nullptr) {
    m_pool->give_back(m_data);
  }
  m_pool = nullptr;
  m_data = nullptr;
  m_capacity = 0;
  m_size = 0;
}

void BufferPool::AlignedDelete::operator()(std::byte* memory) const noexcept {
  ::operator delete[](memory, std::align_val_t{k_alignment});
}

BufferPool::BufferPool(std::size_t count, std::size_t buffer_size)
    : m_count(count), m_buffer_size((buffer_size + k_alignment - 1) / k_alignment * k_alignment) {
  assert(count >= 1 && buffer_size >= 1);
  // One allocation for every buffer: pages are only committed when touched,
  // and a later registration with io_uring needs a single region.
  m_memory.reset(static_cast<std::byte*>(
      ::operator new[](m_count* m_buffer_size, std::align_val_t{k_alignment})));
  m_free.reserve(m_count);
  for (std::size_t i = m_count; i > 0; --i) {
    m_free.push_back(m_memory.get() + (i - 1) * m_buffer_size);
  }
}

BufferPool::~BufferPool() {
  assert(m_free.size() == m_count && "a Buffer outlived its pool");
}

std::optional<Buffer> BufferPool::take_locked() {
  if (m_closed || m_free.empty()) {
    return std::nullopt;
  }
  std::byte* data = m_free.back();
  m_free.pop_back();
  return Buffer(this, data, m_buffer_size);
}

std::optional<Buffer> BufferPool::acquire() {
  std::unique_lock lock(m_mutex);
  m_freed.wait(lock, [this] { return m_closed || !m_free.empty(); });
  return take_locked();
}

std::optional<Buffer> BufferPool::try_acquire() {
  std::lock_guard lock(m_mutex);
  return take_locked();
}

std::optional<Buffer> BufferPool::acquire_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  m_freed.wait_for(lock, timeout, [this] { return m_closed || !m_free.empty(); });
  return take_locked();
}

void BufferPool::close() {
  {
    std::lock_guard lock(m_mutex);
    m_closed = true;
  }
  m_freed.notify_all();
}

std::size_t BufferPool::available() const {
  std::lock_guard lock(m_mutex);
  return m_free.size();
}

void BufferPool::give_back(std::byte* data) noexcept {
  {
    std::lock_guard lock(m_mutex);
    m_free.push_back(data);
  }
  m_freed.notify_one();
}

} // namespace cback::core
