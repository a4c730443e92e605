#pragma once

#include <atomic>

namespace cback::core {

/// Set when the run is asked to stop (SIGINT/SIGTERM). Long work and the
/// command runner poll it and unwind with ExitCode::interrupted.
class StopFlag {
public:
  void request() noexcept { m_requested.store(true, std::memory_order_relaxed); }
  [[nodiscard]] bool requested() const noexcept {
    return m_requested.load(std::memory_order_relaxed);
  }
  /// Throws cback::Error(ExitCode::interrupted) if a stop was requested.
  void check() const;

private:
  std::atomic<bool> m_requested{false};
};

/// Installs SIGINT/SIGTERM handlers that set `flag` (async-signal-safe).
/// Only one flag can be installed per process; the previous one is replaced.
void install_stop_handlers(StopFlag& flag);

} // namespace cback::core
