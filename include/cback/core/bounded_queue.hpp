#pragma once

// The link between two pipeline stages: a FIFO of at most `capacity` items.
// A full queue stops its producers and an empty one its consumers, so a slow
// stage slows the stages before it instead of letting memory grow.

#include <cassert>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace cback::core {

/// Multi-producer, multi-consumer, thread-safe.
///
/// Life cycle: producers push(); when the last one is done, someone calls
/// close(); consumers pop() what is left and then get an empty optional.
/// abandon() is the emergency stop: it closes and drops the items at once
/// (giving their pool buffers back), for when consumers will not drain.
template <class T>
class BoundedQueue {
public:
  /// Contract: capacity >= 1.
  explicit BoundedQueue(std::size_t capacity) : m_capacity(capacity) { assert(capacity >= 1); }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  /// Appends `value`, waiting while the queue is full. Returns false (and
  /// drops the value) when the queue is or becomes closed.
  bool push(T value) {
    std::unique_lock lock(m_mutex);
    m_not_full.wait(lock, [this] { return m_closed || m_items.size() < m_capacity; });
    if (m_closed) {
      return false;
    }
    m_items.push_back(std::move(value));
    lock.unlock();
    m_not_empty.notify_one();
    return true;
  }

  /// Appends `value` only if there is room now and the queue is open; on
  /// false `value` is left untouched.
  bool try_push(T& value) {
    {
      std::lock_guard lock(m_mutex);
      if (m_closed || m_items.size() >= m_capacity) {
        return false;
      }
      m_items.push_back(std::move(value));
    }
    m_not_empty.notify_one();
    return true;
  }

  /// The oldest item, waiting while the queue is empty and open. Empty once
  /// the queue is closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(m_mutex);
    m_not_empty.wait(lock, [this] { return m_closed || !m_items.empty(); });
    return take(lock);
  }

  /// The oldest item if there is one now.
  std::optional<T> try_pop() {
    std::unique_lock lock(m_mutex);
    return take(lock);
  }

  /// No more pushes; waiting producers get false, waiting consumers drain
  /// what is left. Idempotent.
  void close() {
    {
      std::lock_guard lock(m_mutex);
      m_closed = true;
    }
    m_not_full.notify_all();
    m_not_empty.notify_all();
  }

  /// close(), and drop every queued item now.
  void abandon() {
    std::deque<T> dropped;
    {
      std::lock_guard lock(m_mutex);
      m_closed = true;
      dropped.swap(m_items);
    }
    m_not_full.notify_all();
    m_not_empty.notify_all();
  }

  [[nodiscard]] bool closed() const {
    std::lock_guard lock(m_mutex);
    return m_closed;
  }
  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(m_mutex);
    return m_items.size();
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }

private:
  std::optional<T> take(std::unique_lock<std::mutex>& lock) {
    if (m_items.empty()) {
      return std::nullopt;
    }
    std::optional<T> value(std::move(m_items.front()));
    m_items.pop_front();
    lock.unlock();
    m_not_full.notify_one();
    return value;
  }

  const std::size_t m_capacity;
  mutable std::mutex m_mutex;
  std::condition_variable m_not_full;
  std::condition_variable m_not_empty;
  std::deque<T> m_items;
  bool m_closed = false;
};

} // namespace cback::core
