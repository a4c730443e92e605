#include <cback/core/stop.hpp>

#include <cback/core/error.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace cback::core {
namespace {

// A signal handler cannot be given a context, so the installed flag is the
// one process-wide pointer cback keeps. Lock-free atomics are async-signal-safe.
std::atomic<StopFlag*> g_installed{nullptr};
static_assert(std::atomic<StopFlag*>::is_always_lock_free);

extern "C" void on_stop_signal(int /*signal*/) {
  const int saved_errno = errno;
  if (StopFlag* flag = g_installed.load(std::memory_order_acquire); flag != nullptr) {
    flag->request();
  }
  errno = saved_errno;
}

void set_handler(int signal, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART: poll(), read() and waitpid() in the receiving thread
  // return EINTR, so a blocked runner notices the stop at once.
  action.sa_flags = 0;
  if (::sigaction(signal, &action, nullptr) != 0) {
    throw Error(ExitCode::action,
                std::string("Cannot install signal handler: ") + std::strerror(errno));
  }
}

} // namespace

void StopFlag::check() const {
  if (requested()) {
    throw Error(ExitCode::interrupted, "Backup interrupted.");
  }
}

void install_stop_handlers(StopFlag& flag) {
  g_installed.store(&flag, std::memory_order_release);
  set_handler(SIGINT, on_stop_signal);
  set_handler(SIGTERM, on_stop_signal);
}

void remove_stop_handlers() noexcept {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  (void)::sigaction(SIGINT, &action, nullptr);
  (void)::sigaction(SIGTERM, &action, nullptr);
  g_installed.store(nullptr, std::memory_order_release);
}

} // namespace cback::core
