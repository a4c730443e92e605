#include "engines.hpp"

#include <cback/core/thread_pool.hpp>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <unistd.h>

namespace cback::io::detail {
namespace {

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
  PosixEngine(std::shared_ptr<core::ThreadPool> pool, unsigned depth)
      : m_pool(std::move(pool)), m_depth(depth) {}
  ~PosixEngine() override {
    // Tasks still running touch m_done: wait until each has reported.
    std::unique_lock lock(m_mutex);
    m_ready.wait(lock, [this] { return m_done.size() >= m_in_flight; });
  }

  [[nodiscard]] unsigned depth() const noexcept override { return m_depth; }
  [[nodiscard]] unsigned in_flight() const noexcept override { return m_in_flight; }

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
  void start_writeback(int fd, std::uint64_t offset, std::uint64_t length,
                       std::uint64_t token) override {
    post(token, [fd, offset, length] {
      return result_of(::sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(length),
                                         SYNC_FILE_RANGE_WRITE));
    });
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

  std::shared_ptr<core::ThreadPool> m_pool;
  unsigned m_depth;
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<Completion> m_done;
  unsigned m_in_flight = 0; ///< started and not yet returned by wait()
};

// The threads run blocking system calls for every posix Engine of one
// backend. A thread blocked in a cold read costs only its stack; the pool
// size is the real number of reads in flight.
class PosixBackend final : public Backend {
public:
  explicit PosixBackend(unsigned threads) : m_pool(std::make_shared<core::ThreadPool>(threads)) {}
  [[nodiscard]] BackendKind kind() const noexcept override { return BackendKind::posix; }
  Result<std::unique_ptr<Engine>> make_engine(unsigned depth) override {
    return std::make_unique<PosixEngine>(m_pool, std::max(depth, 1U));
  }

private:
  std::shared_ptr<core::ThreadPool> m_pool;
};

} // namespace

std::unique_ptr<Backend> make_posix_backend(unsigned threads) {
  return std::make_unique<PosixBackend>(threads);
}

} // namespace cback::io::detail
