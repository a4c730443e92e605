#pragma once

// Runs external commands the way every part of cback needs: an argv vector
// (never a shell), argv[0] mapped through the configured <override>s, LC_*
// removed from the environment and LANG=C when LANG was set (so tool output
// is parseable), output logged line by line to the output log, a timeout,
// and a stop request honoured by killing the child's process group.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cback::core {

class Logger;
class StopFlag;

/// Splits a command string like the original's splitCommandLine: words on
/// spaces, double quotes group (and are removed); nothing else is special.
/// Exactly the matches of the regex `[^ "]+|"[^"]+"`, quotes then removed:
/// tabs do not separate, `a"b c"d` gives a, b c, d, and an empty or
/// unterminated quote is skipped.
std::vector<std::string> split_command_line(std::string_view command);

/// Maps a command name to the path to run (<override>; docs/compatibility.md, "External commands").
class PathResolver {
public:
  PathResolver() = default;
  explicit PathResolver(std::map<std::string, std::string> overrides);
  /// `command` itself when there is no override for it.
  [[nodiscard]] std::string resolve(const std::string& command) const;
  [[nodiscard]] const std::map<std::string, std::string>& overrides() const { return m_overrides; }

private:
  std::map<std::string, std::string> m_overrides;
};

enum class Stderr { merge, discard };
enum class Capture { tail, all };

struct CommandRequest {
  std::vector<std::string> argv;        ///< argv[0] is resolved through the PathResolver
  std::chrono::milliseconds timeout{0}; ///< 0 = none
  /// After the timeout, the group gets SIGTERM, then SIGKILL after this.
  std::chrono::milliseconds kill_grace{5000};
  Stderr stderr_mode = Stderr::merge;
  std::optional<std::filesystem::path> cwd;
  /// When set, stdout goes to this file descriptor instead of the log
  /// (dumps); stderr still goes to the log (or /dev/null with
  /// Stderr::discard). The fd stays the caller's.
  std::optional<int> stdout_fd;
  /// When set, the child reads its stdin from this file descriptor (say, a
  /// staged file opened without following links) instead of /dev/null.
  /// The fd stays the caller's.
  std::optional<int> stdin_fd;
  /// Capture::all also returns every output line (for parsing tool output).
  Capture capture = Capture::tail;
};

struct CommandResult {
  int exit_status = 0; ///< exit code; 128+N when killed by signal N; 127 when exec failed
  bool timed_out = false;
  std::vector<std::string> tail;   ///< last 10 output lines, for error messages
  std::vector<std::string> output; ///< every output line, with Capture::all only
};

/// The child gets stdin from /dev/null (or stdin_fd), no fds but 0-2, its own process
/// group (so a terminal's ^C reaches only cback, which then stops the child
/// itself), and the default signal dispositions and mask.
class CommandRunner {
public:
  CommandRunner(Logger& log, const StopFlag& stop, PathResolver resolver = {});
  CommandRunner(const CommandRunner&) = delete;
  CommandRunner& operator=(const CommandRunner&) = delete;
  /// Tests derive from the runner to record commands instead of running them.
  virtual ~CommandRunner() = default;

  /// Runs the command to completion. Logs "Executing command [..] with args
  /// [..]." and every output line to the output log. Throws
  /// cback::Error(ExitCode::interrupted, "Backup interrupted.") if a stop is
  /// requested meanwhile (the child's process group is killed first). A
  /// non-zero exit, a timeout or a program that cannot be executed are
  /// *not* exceptions: callers decide.
  virtual CommandResult run(const CommandRequest& request);

  [[nodiscard]] const PathResolver& resolver() const { return m_resolver; }

protected:
  [[nodiscard]] Logger& log() const { return m_log; }

private:
  Logger& m_log;
  const StopFlag& m_stop;
  PathResolver m_resolver;
};

} // namespace cback::core
