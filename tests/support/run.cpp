#include "support/run.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace cback::test {
namespace {

void drain(int fd, std::string& into, bool& open) {
  char buffer[4096];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n > 0) {
    into.append(buffer, static_cast<std::size_t>(n));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    open = false;
  }
}

/// argv-style pointers into `strings`, ending with nullptr.
std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) {
    pointers.push_back(s.data());
  }
  pointers.push_back(nullptr);
  return pointers;
}

/// This process's environment, then `extra` (NAME=VALUE entries).
// The given entries first: a program's getenv takes the first of a name,
// so they win over the inherited ones (as in spawn_quiet).
std::vector<std::string> environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env = extra;
  for (char** e = environ; *e != nullptr; ++e) {
    env.emplace_back(*e);
  }
  return env;
}

/// The exit status of `pid`, or 128+signal when it was killed.
int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

pid_t spawn_quiet(std::vector<std::string> argv, std::vector<std::string> env) {
  for (char** e = environ; *e != nullptr; ++e) {
    env.emplace_back(*e);
  }
  auto args = c_strings(argv);
  auto envp = c_strings(env);
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  ::posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error("posix_spawn " + argv.front() + ": " + std::strerror(spawned));
  }
  return pid;
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> env = environment(options.env);
  std::vector<std::string> arguments = argv;
  auto args = c_strings(arguments);
  auto envp = c_strings(env);

  const pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    if (options.cwd && ::chdir(options.cwd->c_str()) != 0) {
      ::_exit(126);
    }
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  RunResult result;
  bool out_open = true;
  bool err_open = true;
  bool signalled = options.signal == 0;
  const auto start = std::chrono::steady_clock::now();
  while (out_open || err_open) {
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    ::poll(fds, 2, 20);
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP)) != 0) {
      drain(out_pipe[0], result.out, out_open);
    }
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP)) != 0) {
      drain(err_pipe[0], result.err, err_open);
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (!signalled) {
      const bool bounded = elapsed > std::chrono::seconds(30);
      bool ready = elapsed >= options.signal_after;
      if (options.signal_when) {
        ready = options.signal_when() || bounded;
      } else if (options.signal_when_exists) {
        ready = std::filesystem::exists(*options.signal_when_exists) || bounded;
      }
      if (ready) {
        ::kill(pid, options.signal);
        signalled = true;
      }
    }
    if (elapsed > options.timeout) {
      ::kill(pid, SIGKILL);
    }
  }
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  result.exit_code = wait_for(pid);
  return result;
}

RunResult run_on_terminal(const std::vector<std::string>& argv, const RunOptions& options) {
  std::vector<std::string> env = environment(options.env);
  std::vector<std::string> arguments = argv;
  auto args = c_strings(arguments);
  auto envp = c_strings(env);
  winsize size{};
  size.ws_col = 100;
  size.ws_row = 40;
  int terminal = -1;
  const pid_t pid = ::forkpty(&terminal, nullptr, nullptr, &size);
  if (pid < 0) {
    throw std::runtime_error(std::string("forkpty failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    if (options.cwd && ::chdir(options.cwd->c_str()) != 0) {
      ::_exit(126);
    }
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  // Read until the terminal closes (EIO once the program and its children
  // have closed their side).
  RunResult result;
  bool open = true;
  while (open) {
    drain(terminal, result.out, open);
  }
  ::close(terminal);
  result.exit_code = wait_for(pid);
  return result;
}

std::string cback_binary() {
  return CBACK_BINARY;
}
std::string cback_config_binary() {
  return CBACK_CONFIG_BINARY;
}
std::string tool_binary(std::string_view name) {
  return std::string(CBACK_TOOLS_DIR) + "/" + std::string(name);
}

} // namespace cback::test
