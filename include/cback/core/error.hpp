#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace cback {

/// The exit codes of the man page. Every run ends with exactly one of them.
enum class ExitCode : int {
  ok = 0,
  usage = 2,       ///< error processing command-line arguments
  logging = 3,     ///< error configuring logging
  config = 4,      ///< error parsing or validating the configuration
  interrupted = 5, ///< stopped by SIGINT/SIGTERM
  action = 6,      ///< error executing the backup actions
};

/// The one error type that actions and services throw. It unwinds to cli,
/// which logs the message and exits with `code`. The stack at the point of
/// construction is captured so that `--stack` can show where it came from.
class Error : public std::runtime_error {
public:
  Error(ExitCode code, const std::string& message);

  [[nodiscard]] ExitCode code() const noexcept { return m_code; }
  /// Symbolized frames captured when the error was made (for --stack).
  [[nodiscard]] std::vector<std::string> stack() const;

private:
  ExitCode m_code;
  std::vector<void*> m_frames;
};

/// Symbolized frames of the calling stack, innermost first.
std::vector<std::string> current_stack();

} // namespace cback
