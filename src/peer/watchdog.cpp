#include <cback/peer/watchdog.hpp>

#include <cback/core/stop.hpp>

#include <sys/socket.h>

namespace cback::peer {

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr auto k_tick = std::chrono::milliseconds(100);

} // namespace

Watchdog::Watchdog(int socket_fd, std::chrono::milliseconds limit, const core::StopFlag* stop)
    : m_fd(socket_fd), m_limit(limit), m_stop(stop),
      m_thread([this](std::stop_token token) { watch(std::move(token)); }) {}

Watchdog::~Watchdog() {
  m_thread.request_stop();
  m_wake.notify_all();
}

void Watchdog::arm() {
  m_since.store(now_ns());
}

void Watchdog::disarm() {
  m_since.store(0);
}

void Watchdog::watch(std::stop_token token) {
  std::unique_lock lock(m_mutex);
  while (!token.stop_requested()) {
    m_wake.wait_for(lock, token, k_tick, [] { return false; });
    const auto since = m_since.load();
    if (since == 0) {
      continue;
    }
    const bool stop = m_stop != nullptr && m_stop->requested();
    const bool late = now_ns() - since > std::chrono::nanoseconds(m_limit).count();
    if (stop || late) {
      (stop ? m_stopped : m_timed_out).store(true);
      ::shutdown(m_fd, SHUT_RDWR);
      return;
    }
  }
}

} // namespace cback::peer
