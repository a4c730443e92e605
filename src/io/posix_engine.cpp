#include "engines.hpp"

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <fcntl.h>
#include <functional>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

namespace cback::io::detail {
namespace {

/// Threads that run blocking system calls for every posix Engine of one
/// backend. A thread blocked in a cold read costs only its stack; the pool
/// size is the real number of reads in flight.
class TaskPool {
public:
  explicit TaskPool(unsigned threads) {
    m_threads.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) {
      m_threads.emplace_back([this] { run(); });
    }
  }
  ~TaskPool() {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_wake.notify_all();
    for (auto& thread : m_threads) {
      thread.join();
    }
  }
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  void post(std::function<void()> task) {
    {
      std::lock_guard lock(m_mutex);
      m_tasks.push_back(std::move(task));
    }
    m_wake.notify_one();
  }

private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [this] { return m_stopping || !m_tasks.empty(); });
        if (m_tasks.empty()) {
          return;
        }
        task = std::move(m_tasks.front());
        m_tasks.pop_front();
      }
      task();
    }
  }

  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<std::function<void()>> m_tasks;
  bool m_stopping = false;
  std::vector<std::thread> m_threads;
};

std::int64_t result_of(ssize_t rc) {
  return rc < 0 ? -errno : rc;
}

template <class Call>
std::int64_t retrying(Call call) {
  for (;;) {
    const std::int64_t rc = call();
    if (rc != -EINTR) {
      return rc;
    }
  }
}

class PosixEngine final : public Engine {
public:
  PosixEngine(std::shared_ptr<TaskPool> pool, unsigned depth)
      : m_pool(std::move(pool)), m_depth(depth) {}
  ~PosixEngine() override {
    // Tasks still running touch m_done: wait until each has reported.
    std::unique_lock lock(m_mutex);
    m_ready.wait(lock, [this] { return m_done.size() >= m_in_flight; });
  }

  [[nodiscard]] unsigned depth() const noexcept override { return m_depth; }
  [[nodiscard]] unsigned in_flight() const noexcept override { return m_in_flight; }

  void start_open(const char* path, int flags, std::uint64_t token) override {
    post(token, [path, flags] { return result_of(::open(path, flags | O_CLOEXEC)); });
  }
  void start_read(int fd, std::span<std::byte> into, std::uint64_t offset,
                  std::uint64_t token) override {
    post(token, [fd, into, offset] {
      return result_of(::pread(fd, into.data(), into.size(), static_cast<off_t>(offset)));
    });
  }
  void start_write(int fd, std::span<const std::byte> from, std::uint64_t offset,
                   std::uint64_t token) override {
    post(token, [fd, from, offset] {
      return result_of(::pwrite(fd, from.data(), from.size(), static_cast<off_t>(offset)));
    });
  }
  void start_fdatasync(int fd, std::uint64_t token) override {
    post(token, [fd] { return result_of(::fdatasync(fd)); });
  }

  Completion wait() override {
    std::unique_lock lock(m_mutex);
    m_ready.wait(lock, [this] { return !m_done.empty(); });
    const Completion done = m_done.front();
    m_done.pop_front();
    --m_in_flight;
    return done;
  }

  std::optional<Completion> poll() override {
    std::lock_guard lock(m_mutex);
    if (m_done.empty()) {
      return std::nullopt;
    }
    const Completion done = m_done.front();
    m_done.pop_front();
    --m_in_flight;
    return done;
  }

private:
  template <class Call>
  void post(std::uint64_t token, Call call) {
    {
      std::lock_guard lock(m_mutex);
      ++m_in_flight;
    }
    m_pool->post([this, token, call] {
      const std::int64_t result = retrying(call);
      std::lock_guard lock(m_mutex);
      m_done.push_back({token, result});
      // Notified under the lock: the destructor cannot finish (and free the
      // condition variable) before this returns.
      m_ready.notify_all();
    });
  }

  std::shared_ptr<TaskPool> m_pool;
  unsigned m_depth;
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<Completion> m_done;
  unsigned m_in_flight = 0; ///< started and not yet returned by wait()
};

class PosixBackend final : public Backend {
public:
  explicit PosixBackend(unsigned threads)
      : m_pool(std::make_shared<TaskPool>(threads == 0 ? 1 : threads)) {}
  [[nodiscard]] BackendKind kind() const noexcept override { return BackendKind::posix; }
  Result<std::unique_ptr<Engine>> make_engine(unsigned depth) override {
    return std::make_unique<PosixEngine>(m_pool, depth);
  }

private:
  std::shared_ptr<TaskPool> m_pool;
};

} // namespace

std::unique_ptr<Backend> make_posix_backend(unsigned threads) {
  return std::make_unique<PosixBackend>(threads);
}

} // namespace cback::io::detail
