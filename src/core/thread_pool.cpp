#include <cback/core/thread_pool.hpp>

#include <algorithm>
#include <utility>

namespace cback::core {

ThreadPool::ThreadPool(unsigned threads) {
  const unsigned count = std::max(threads, 1U);
  m_threads.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    m_threads.emplace_back([this] { run(); });
  }
}

ThreadPool::~ThreadPool() {
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  for (auto& thread : m_threads) {
    thread.join();
  }
}

void ThreadPool::post(std::function<void()> task) {
  {
    const std::lock_guard lock(m_mutex);
    m_tasks.push_back(std::move(task));
    ++m_unfinished;
  }
  m_wake.notify_one();
}

void ThreadPool::wait() {
  std::unique_lock lock(m_mutex);
  m_idle.wait(lock, [this] { return m_unfinished == 0; });
  if (m_failure) {
    std::rethrow_exception(std::exchange(m_failure, nullptr));
  }
}

void ThreadPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait(lock, [this] { return m_stopping || !m_tasks.empty(); });
      if (m_tasks.empty()) {
        return; // stopping, and nothing left to run
      }
      task = std::move(m_tasks.front());
      m_tasks.pop_front();
    }
    std::exception_ptr failure;
    try {
      task();
    } catch (...) {
      failure = std::current_exception();
    }
    // The task (and what it captured) goes before it counts as finished:
    // a waiter may free what the captures point to.
    task = nullptr;
    const std::lock_guard lock(m_mutex);
    if (failure && !m_failure) {
      m_failure = failure;
    }
    if (--m_unfinished == 0) {
      m_idle.notify_all();
    }
  }
}

void for_each_index(std::size_t count, unsigned threads,
                    const std::function<void(std::size_t)>& body) {
  if (count == 0) {
    return;
  }
  ThreadPool pool(static_cast<unsigned>(std::min<std::size_t>(std::max(threads, 1U), count)));
  for (std::size_t i = 0; i < count; ++i) {
    pool.post([&body, i] { body(i); });
  }
  pool.wait();
}

} // namespace cback::core
