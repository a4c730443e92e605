#pragma once

// The one thread pool of cback: collect's items, stage's peers and the
// posix I/O backend's system calls all run on a core::ThreadPool.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cback::core {

/// A fixed number of threads running posted tasks in the order they were
/// posted (first in, first started). A task that throws does not end its
/// thread: the first exception is kept for wait(). The destructor runs
/// every task still queued, then joins the threads.
class ThreadPool {
public:
  /// Starts `threads` threads (0 counts as 1).
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// Queues a task; one of the threads runs it. Thread-safe; may be called
  /// from a task.
  void post(std::function<void()> task);

  /// Waits until every task posted so far (and every task those post) has
  /// finished, then rethrows the first exception a task threw since the
  /// last wait(), if any.
  void wait();

private:
  void run();

  std::mutex m_mutex;
  std::condition_variable m_wake; ///< a task was posted, or the pool stops
  std::condition_variable m_idle; ///< the last unfinished task finished
  std::deque<std::function<void()>> m_tasks;
  std::size_t m_unfinished = 0; ///< queued or running
  std::exception_ptr m_failure;
  bool m_stopping = false;
  std::vector<std::thread> m_threads;
};

/// Runs body(0) … body(count - 1) on up to `threads` threads of a pool of
/// their own, in index order (each thread takes the next index), and
/// returns when all have finished; rethrows the first exception a body
/// threw. The calling thread only waits.
void for_each_index(std::size_t count, unsigned threads,
                    const std::function<void(std::size_t)>& body);

} // namespace cback::core
