#include <cback/core/process.hpp>

#include <cback/core/python_format.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/stop.hpp>
#include <cback/core/unique_fd.hpp>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cback::core {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t k_tail_lines = 10;
// A stop request set by a signal handled in another thread does not
// interrupt our poll(), so the flag is also looked at this often.
constexpr milliseconds k_stop_poll{100};
constexpr std::size_t k_read_size = 64 * 1024;
// A "line" longer than this (binary output) is logged in pieces rather
// than held in memory whole.
constexpr std::size_t k_max_line = 64 * 1024;

// ---- environment ----------------------------------------------------------

// The original's sanitizeEnvironment: no LC_* at all, LANG=C only if LANG
// was set, so that the output of every tool is in the C locale.
std::vector<std::string> sanitized_environment() {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view variable = *entry;
    if (variable.starts_with("LC_")) {
      continue;
    }
    env.emplace_back(variable.starts_with("LANG=") ? std::string_view("LANG=C") : variable);
  }
  return env;
}

// A NULL-terminated char* array over strings that outlive it.
std::vector<char*> c_array(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (auto& text : strings) {
    pointers.push_back(text.data());
  }
  pointers.push_back(nullptr);
  return pointers;
}

// ---- output lines ---------------------------------------------------------

// Splits the child's output into lines, logs each to the output log and
// keeps the last k_tail_lines (in a ring, so 100 000 lines cost no more
// than ten strings) and, with Capture::all, every line.
class LineCollector {
public:
  LineCollector(Logger& log, Capture capture) : m_log(log), m_capture(capture) {}

  void feed(std::string_view bytes) {
    for (auto newline = bytes.find('\n'); newline != std::string_view::npos;
         newline = bytes.find('\n')) {
      if (m_partial.empty()) {
        emit(bytes.substr(0, newline));
      } else {
        m_partial.append(bytes.substr(0, newline));
        emit(m_partial);
        m_partial.clear();
      }
      bytes.remove_prefix(newline + 1);
    }
    m_partial.append(bytes);
    if (m_partial.size() >= k_max_line) {
      finish();
    }
  }

  /// Emits a last line that had no newline.
  void finish() {
    if (!m_partial.empty()) {
      emit(m_partial);
      m_partial.clear();
    }
  }

  void add_note(std::string_view line) { emit(line); }

  void move_into(CommandResult& result) {
    finish();
    const std::size_t kept = std::min(m_count, k_tail_lines);
    for (std::size_t i = m_count - kept; i < m_count; ++i) {
      result.tail.push_back(std::move(m_ring[i % k_tail_lines]));
    }
    result.output = std::move(m_all);
  }

private:
  void emit(std::string_view line) {
    m_log.output(line);
    m_ring[m_count % k_tail_lines].assign(line);
    ++m_count;
    if (m_capture == Capture::all) {
      m_all.emplace_back(line);
    }
  }

  Logger& m_log;
  Capture m_capture;
  std::string m_partial;
  std::array<std::string, k_tail_lines> m_ring;
  std::size_t m_count = 0;
  std::vector<std::string> m_all;
};

/// Reads what is available on a non-blocking fd. Returns false at EOF or
/// on a read error (the pipe is then done either way).
bool drain(int fd, LineCollector& lines) {
  std::array<char, k_read_size> buffer{};
  for (;;) {
    const ssize_t size = ::read(fd, buffer.data(), buffer.size());
    if (size > 0) {
      lines.feed(std::string_view(buffer.data(), static_cast<std::size_t>(size)));
      continue;
    }
    if (size < 0 && errno == EINTR) {
      continue;
    }
    return size < 0 && errno == EAGAIN;
  }
}

// ---- the child process ----------------------------------------------------

int decode_status(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return status;
}

// A spawned child, leader of its own process group. Whatever happens to the
// caller (a timeout, a stop, an exception), the destructor leaves neither a
// running group nor a zombie behind.
class Child {
public:
  explicit Child(pid_t pid) : m_pid(pid) {}
  ~Child() {
    if (!m_status) {
      (void)::kill(-m_pid, SIGKILL);
      reap();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// Reaps the child if it has exited; true then.
  bool try_reap() {
    int status = 0;
    pid_t result = 0;
    do {
      result = ::waitpid(m_pid, &status, WNOHANG);
    } while (result < 0 && errno == EINTR);
    if (result == m_pid) {
      m_status = decode_status(status);
    }
    return m_status.has_value();
  }

  /// Blocks until the child exits, then reaps it.
  int reap() {
    int status = 0;
    pid_t result = 0;
    do {
      result = ::waitpid(m_pid, &status, 0);
    } while (result < 0 && errno == EINTR);
    m_status = result == m_pid ? decode_status(status) : 127;
    return *m_status;
  }

  /// SIGTERM to the group; SIGKILL to whatever is left of it once the
  /// leader exits or `grace` passes. The leader is reaped only after the
  /// SIGKILL: as a zombie it keeps the group id from being reused.
  int terminate(milliseconds grace) {
    (void)::kill(-m_pid, SIGTERM);
    const auto give_up = Clock::now() + grace;
    milliseconds pause{1};
    while (!exited() && Clock::now() < give_up) {
      (void)::poll(nullptr, 0, static_cast<int>(pause.count()));
      pause = std::min(pause * 2, milliseconds{50});
    }
    (void)::kill(-m_pid, SIGKILL);
    return reap();
  }

  [[nodiscard]] std::optional<int> status() const { return m_status; }

private:
  bool exited() const {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == m_pid;
  }

  pid_t m_pid;
  std::optional<int> m_status;
};

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
  posix_spawnattr_t attr{};
  posix_spawn_file_actions_t actions{};
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// Child side, in order: stdout, stderr (either may be the pipe), stdin from
// stdin_fd or /dev/null, every other fd closed, then the working directory. The child
// leads a new process group and starts with default signal handling.
// Returns the first error (an invalid stdout_fd gives EBADF here).
int prepare_spawn(SpawnSetup& setup, const CommandRequest& request, int pipe_write) {
  int error = 0;
  const auto step = [&error](int result) {
    if (error == 0) {
      error = result;
    }
  };
  auto* actions = &setup.actions;
  step(posix_spawn_file_actions_adddup2(actions, request.stdout_fd.value_or(pipe_write),
                                        STDOUT_FILENO));
  if (request.stderr_mode == Stderr::discard) {
    step(posix_spawn_file_actions_addopen(actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0));
  } else {
    step(posix_spawn_file_actions_adddup2(actions, pipe_write, STDERR_FILENO));
  }
  if (request.stdin_fd) {
    step(posix_spawn_file_actions_adddup2(actions, *request.stdin_fd, STDIN_FILENO));
  } else {
    step(posix_spawn_file_actions_addopen(actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0));
  }
  step(posix_spawn_file_actions_addclosefrom_np(actions, STDERR_FILENO + 1));
  if (request.cwd) {
    step(posix_spawn_file_actions_addchdir_np(actions, request.cwd->c_str()));
  }

  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  step(posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                 POSIX_SPAWN_SETSIGDEF));
  step(posix_spawnattr_setpgroup(&setup.attr, 0));
  step(posix_spawnattr_setsigmask(&setup.attr, &none));
  step(posix_spawnattr_setsigdefault(&setup.attr, &all));
  return error;
}

struct Spawned {
  pid_t pid = -1;
  UniqueFd output; ///< read end of the child's stdout/stderr pipe
  int error = 0;   ///< errno when the program could not be executed
};

Spawned spawn(std::vector<std::string> argv, const CommandRequest& request) {
  Spawned spawned;
  std::array<int, 2> ends{};
  if (::pipe2(ends.data(), O_CLOEXEC) != 0) {
    throw Error(ExitCode::action, fmt::format("Cannot create a pipe: {}", std::strerror(errno)));
  }
  spawned.output.reset(ends[0]);
  UniqueFd write_end(ends[1]);
  (void)::fcntl(ends[0], F_SETFL, O_NONBLOCK);

  SpawnSetup setup;
  spawned.error = prepare_spawn(setup, request, write_end.get());
  if (spawned.error != 0) {
    return spawned;
  }
  std::vector<std::string> env = sanitized_environment();
  const std::vector<char*> c_argv = c_array(argv);
  const std::vector<char*> c_env = c_array(env);
  spawned.error = ::posix_spawnp(&spawned.pid, c_argv[0], &setup.actions, &setup.attr,
                                 c_argv.data(), c_env.data());
  return spawned;
}

// "Executing command ['/bin/ls'] with args ['-l', '/tmp']." to the flow log
// (debug) and the output log, as the original writes it.
void log_executing(Logger& log, const std::vector<std::string>& argv) {
  const std::string line =
      fmt::format("Executing command {} with args {}.", python_list(std::span(argv).first(1)),
                  python_list(std::span(argv).subspan(1)));
  log.debug("{}", line);
  log.output(line);
}

enum class Outcome { exited, timed_out, stopped };

// The one loop of a run: read output as it comes, until the pipe is closed
// and the child has exited, a stop is requested or the deadline passes.
Outcome pump(Child& child, UniqueFd& output, LineCollector& lines, const StopFlag& stop,
             std::optional<Clock::time_point> deadline) {
  milliseconds pause{1};
  for (;;) {
    if (stop.requested()) {
      return Outcome::stopped;
    }
    milliseconds wait = k_stop_poll;
    if (deadline) {
      const auto left = std::chrono::ceil<milliseconds>(*deadline - Clock::now());
      if (left <= milliseconds::zero()) {
        return Outcome::timed_out;
      }
      wait = std::min(wait, left);
    }
    if (output) {
      pollfd ready{output.get(), POLLIN, 0};
      if (::poll(&ready, 1, static_cast<int>(wait.count())) > 0 && !drain(output.get(), lines)) {
        output.reset();
      }
      continue;
    }
    // The pipe is closed, so the child has exited or is about to.
    if (child.try_reap()) {
      return Outcome::exited;
    }
    (void)::poll(nullptr, 0, static_cast<int>(std::min(pause, wait).count()));
    pause = std::min(pause * 2, milliseconds{20});
  }
}

} // namespace

std::vector<std::string> split_command_line(std::string_view command) {
  std::vector<std::string> fields;
  std::size_t at = 0;
  while (at < command.size()) {
    if (command[at] == ' ') {
      ++at;
    } else if (command[at] != '"') {
      const std::size_t end = std::min(command.find_first_of(" \"", at), command.size());
      fields.emplace_back(command.substr(at, end - at));
      at = end;
    } else {
      // `"[^"]+"`: needs a closing quote and at least one character inside;
      // otherwise this quote matches nothing and scanning moves on by one.
      const std::size_t close = command.find('"', at + 1);
      if (close == std::string_view::npos || close == at + 1) {
        ++at;
      } else {
        fields.emplace_back(command.substr(at + 1, close - at - 1));
        at = close + 1;
      }
    }
  }
  return fields;
}

PathResolver::PathResolver(std::map<std::string, std::string> overrides)
    : m_overrides(std::move(overrides)) {}

std::string PathResolver::resolve(const std::string& command) const {
  const auto found = m_overrides.find(command);
  return found == m_overrides.end() ? command : found->second;
}

CommandRunner::CommandRunner(Logger& log, const StopFlag& stop, PathResolver resolver)
    : m_log(log), m_stop(stop), m_resolver(std::move(resolver)) {}

CommandResult CommandRunner::run(const CommandRequest& request) {
  if (request.argv.empty()) {
    throw Error(ExitCode::action, "Cannot execute an empty command.");
  }
  std::vector<std::string> argv = request.argv;
  argv[0] = m_resolver.resolve(argv[0]);
  log_executing(m_log, argv);
  m_stop.check();

  CommandResult result;
  LineCollector lines(m_log, request.capture);
  Spawned spawned = spawn(argv, request);
  if (spawned.error != 0) {
    // The shell's convention (and a status no tool returns by itself), with
    // the reason where callers look for it: the tail.
    const std::string message =
        fmt::format("Cannot execute [{}]: {}", argv[0], std::strerror(spawned.error));
    m_log.debug("{}", message);
    lines.add_note(message);
    lines.move_into(result);
    result.exit_status = 127;
    return result;
  }

  Child child(spawned.pid);
  std::optional<Clock::time_point> deadline;
  if (request.timeout > milliseconds::zero()) {
    deadline = Clock::now() + request.timeout;
  }
  const Outcome outcome = pump(child, spawned.output, lines, m_stop, deadline);
  if (outcome == Outcome::exited) {
    result.exit_status = *child.status();
  } else {
    result.exit_status = child.terminate(request.kill_grace);
    if (spawned.output) {
      (void)drain(spawned.output.get(), lines);
    }
  }
  if (outcome == Outcome::stopped) {
    m_log.debug("Stopped command [{}] (exit status {}).", argv[0], result.exit_status);
    throw Error(ExitCode::interrupted, "Backup interrupted.");
  }
  if (outcome == Outcome::timed_out) {
    result.timed_out = true;
    lines.add_note(fmt::format("Command [{}] timed out after {} ms and was killed.", argv[0],
                               request.timeout.count()));
  }
  lines.move_into(result);
  return result;
}

} // namespace cback::core
