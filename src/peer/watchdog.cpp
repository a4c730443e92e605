#include <cback/peer/watchdog.hpp>

#include <cback/core/stop.hpp>

#include <sys/socket.h>

#include <algorithm>

namespace cback::peer {

namespace {

constexpr auto k_tick = std::chrono::milliseconds(100);

} // namespace

Watchdog::Watchdog(int socket_fd, std::chrono::milliseconds limit, const core::StopFlag* stop,
                   core::Clock& clock)
    : m_fd(socket_fd), m_limit(limit), m_stop(stop), m_clock(&clock),
      m_thread([this](std::stop_token token) { watch(std::move(token)); }) {}

Watchdog::~Watchdog() {
  m_thread.request_stop();
  m_wake.notify_all();
}

// A clock whose epoch is its first instant reads 0 there: 1 is the
// earliest armed time, 0 stays "idle".
void Watchdog::arm() {
  m_since.store(std::max<std::int64_t>(1, m_clock->now().time_since_epoch().count()));
}

void Watchdog::disarm() {
  m_since.store(0);
}

bool Watchdog::check() {
  if (m_timed_out.load() || m_stopped.load()) {
    return true;
  }
  const auto since = m_since.load();
  if (since == 0) {
    return false;
  }
  const bool stop = m_stop != nullptr && m_stop->requested();
  const auto idle = core::Clock::Duration(m_clock->now().time_since_epoch().count() - since);
  if (!stop && idle <= m_limit) {
    return false;
  }
  (stop ? m_stopped : m_timed_out).store(true);
  ::shutdown(m_fd, SHUT_RDWR);
  return true;
}

void Watchdog::watch(std::stop_token token) {
  std::unique_lock lock(m_mutex);
  while (!token.stop_requested()) {
    m_wake.wait_for(lock, token, k_tick, [] { return false; });
    if (check()) {
      return;
    }
  }
}

} // namespace cback::peer
