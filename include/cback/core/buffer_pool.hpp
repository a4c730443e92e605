#pragma once

// A fixed set of fixed-size, page-aligned buffers shared by the stages of a
// pipeline. The pool is the memory bound of the pipeline: a stage that needs
// a buffer while all are in use waits until a later stage gives one back
// (backpressure), so memory is set by configuration, never by the input.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace cback::core {

class BufferPool;

/// A move-only handle on one pool buffer; gives the buffer back to its pool
/// when destroyed. `size()` is how many bytes of it hold data (set by whoever
/// fills it), `capacity()` the pool's buffer size. A default-constructed or
/// moved-from Buffer holds nothing.
class Buffer {
public:
  Buffer() = default;
  ~Buffer() { release(); }
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  [[nodiscard]] std::byte* data() noexcept { return m_data; }
  [[nodiscard]] const std::byte* data() const noexcept { return m_data; }
  [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }
  [[nodiscard]] std::size_t size() const noexcept { return m_size; }
  /// Sets how many bytes hold data. Contract: size <= capacity().
  void resize(std::size_t size) noexcept;
  /// The whole buffer, to be filled.
  [[nodiscard]] std::span<std::byte> space() noexcept { return {m_data, m_capacity}; }
  /// The bytes that hold data.
  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {m_data, m_size}; }
  [[nodiscard]] explicit operator bool() const noexcept { return m_data != nullptr; }
  /// Gives the buffer back to the pool now; the handle then holds nothing.
  void release() noexcept;

private:
  friend class BufferPool;
  Buffer(BufferPool* pool, std::byte* data, std::size_t capacity) noexcept
      : m_pool(pool), m_data(data), m_capacity(capacity) {}

  BufferPool* m_pool = nullptr;
  std::byte* m_data = nullptr;
  std::size_t m_capacity = 0;
  std::size_t m_size = 0;
};

/// `count` buffers of `buffer_size` bytes each, aligned to k_alignment (so
/// they suit O_DIRECT and registered io_uring buffers), allocated once.
/// Thread-safe. Contract: every Buffer is given back before the pool dies.
class BufferPool {
public:
  static constexpr std::size_t k_default_buffer_size = std::size_t{1} << 20;
  static constexpr std::size_t k_alignment = 4096;

  /// Contract: count >= 1 and buffer_size >= 1. buffer_size is rounded up to
  /// a multiple of k_alignment.
  explicit BufferPool(std::size_t count, std::size_t buffer_size = k_default_buffer_size);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  /// A free buffer, waiting while none is free. Empty only once close() was
  /// called (then it never waits).
  [[nodiscard]] std::optional<Buffer> acquire();
  /// A free buffer if one is free now.
  [[nodiscard]] std::optional<Buffer> try_acquire();
  /// As acquire(), giving up after `timeout`.
  [[nodiscard]] std::optional<Buffer> acquire_for(std::chrono::milliseconds timeout);
  /// Wakes every waiting acquire() and makes later ones return empty at once;
  /// used when a pipeline is abandoned. Buffers in use stay valid.
  void close();

  [[nodiscard]] std::size_t buffer_size() const noexcept { return m_buffer_size; }
  [[nodiscard]] std::size_t buffer_count() const noexcept { return m_count; }
  /// How many buffers are free right now (a snapshot).
  [[nodiscard]] std::size_t available() const;

private:
  friend class Buffer;
  struct AlignedDelete {
    void operator()(std::byte* memory) const noexcept;
  };

  void give_back(std::byte* data) noexcept;
  std::optional<Buffer> take_locked();

  std::size_t m_count;
  std::size_t m_buffer_size;
  std::unique_ptr<std::byte, AlignedDelete> m_memory;
  mutable std::mutex m_mutex;
  std::condition_variable m_freed;
  std::vector<std::byte*> m_free;
  bool m_closed = false;
};

} // namespace cback::core
