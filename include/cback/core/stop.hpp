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
  /// Throws cback::Error(ExitCode::interrupted, "Backup interrupted.") if a
  /// stop was requested.
  void check() const;

private:
  static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
  std::atomic<bool> m_requested{false};
};

/// Installs SIGINT/SIGTERM handlers that set `flag` (async-signal-safe).
/// The handlers are installed without SA_RESTART, so a blocking call in the
/// thread that receives the signal returns EINTR and the caller gets to
/// look at the flag. Only one flag can be installed per process; the
/// previous one is replaced. `flag` must outlive the installation (see
/// remove_stop_handlers).
void install_stop_handlers(StopFlag& flag);

/// Restores the default SIGINT/SIGTERM dispositions and forgets the flag.
void remove_stop_handlers() noexcept;

} // namespace cback::core
