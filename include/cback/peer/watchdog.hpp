#pragma once

// Bounds blocking network calls. libssh's blocking SFTP reads loop for ever
// on a server that stops answering (a timed-out channel read returns 0 and
// is retried), and a stop request cannot reach a thread blocked in recv().
// A Watchdog watches one socket: while a Section is open and no progress
// was reported for `limit`, or once a stop is requested, it shuts the
// socket down, which makes every blocked call on it fail at once. Its
// thread looks every 100 ms; time is read from a core::Clock, so a test
// moves it and calls check() instead of waiting.

#include <cback/core/clock.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace cback::core {
class StopFlag;
}

namespace cback::peer {

class Watchdog {
public:
  /// Watches `socket_fd` (not owned; it must stay open while this lives).
  /// `stop` may be null.
  Watchdog(int socket_fd, std::chrono::milliseconds limit, const core::StopFlag* stop,
           core::Clock& clock = core::Clock::steady());
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  /// The time a blocking call is allowed without progress; between
  /// sections (writing to disk, waiting for the bandwidth limit) nothing is
  /// watched.
  class Section {
  public:
    explicit Section(Watchdog& watchdog) : m_watchdog(watchdog) { m_watchdog.arm(); }
    ~Section() { m_watchdog.disarm(); }
    Section(const Section&) = delete;
    Section& operator=(const Section&) = delete;
    /// Data arrived: the limit counts again from now.
    void progress() { m_watchdog.arm(); }
    /// Leaves the network for a while (the sink); resume() comes back.
    void pause() { m_watchdog.disarm(); }
    void resume() { m_watchdog.arm(); }

  private:
    Watchdog& m_watchdog;
  };

  [[nodiscard]] Section section() { return Section(*this); }
  /// True once the socket was shut down for lack of progress.
  [[nodiscard]] bool timed_out() const { return m_timed_out.load(); }
  /// True once the socket was shut down because a stop was requested.
  [[nodiscard]] bool stopped() const { return m_stopped.load(); }
  [[nodiscard]] std::chrono::milliseconds limit() const { return m_limit; }

  /// What the thread does on each look: shuts the socket down if a section
  /// is open and it made no progress for the limit, or a stop is requested.
  /// Returns true once the socket is shut down.
  bool check();

private:
  void arm();
  void disarm();
  void watch(std::stop_token token);

  int m_fd;
  std::chrono::milliseconds m_limit;
  const core::StopFlag* m_stop;
  core::Clock* m_clock;
  std::atomic<std::int64_t> m_since{0}; ///< clock ticks of the last progress; 0 = idle
  std::atomic<bool> m_timed_out{false};
  std::atomic<bool> m_stopped{false};
  std::mutex m_mutex;
  std::condition_variable_any m_wake;
  std::jthread m_thread; ///< last: starts after the members it reads
};

} // namespace cback::peer
