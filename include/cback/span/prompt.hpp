#pragma once

// The questions of cback-span, asked as the original asks them (see
// docs/compatibility.md, "cback-span"): "Continue? [Y/n]: ", an empty answer takes the default, a
// first character of Y or y means yes. Without interaction (--yes) every
// question is printed with the answer taken, so the transcript reads the
// same, and nothing is read.

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace cback::core {
class StopFlag;
}

namespace cback::span {

class Prompter {
public:
  /// A stop requested while waiting for an answer (SIGINT interrupts the
  /// read) is cback::Error(interrupted), not the end of the input.
  Prompter(std::istream& in, std::ostream& out, bool interactive,
           const core::StopFlag* stop = nullptr);

  /// Throws cback::Error(action) when the input ends before an answer.
  bool yes_no(std::string_view prompt, bool default_yes);
  /// Loops until the answer is a number (Python float syntax).
  double number(std::string_view prompt, double default_value);
  /// Loops until the answer is one of `choices`.
  std::string choice(std::string_view prompt, const std::string& default_value,
                     const std::vector<std::string>& choices);
  /// Waits for return (the text may span lines).
  void wait_return(std::string_view prompt);

  [[nodiscard]] bool interactive() const { return m_interactive; }
  std::ostream& out() { return m_out; }

private:
  /// Shows `shown` and reads a line; without interaction prints
  /// `automatic` as the answer and returns it.
  std::string ask(std::string_view shown, std::string_view automatic);

  std::istream& m_in;
  std::ostream& m_out;
  bool m_interactive;
  const core::StopFlag* m_stop;
};

} // namespace cback::span
