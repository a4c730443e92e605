#include <cback/span/prompt.hpp>

#include <cback/config/values.hpp>
#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <istream>
#include <ostream>

namespace cback::span {

Prompter::Prompter(std::istream& in, std::ostream& out, bool interactive,
                   const core::StopFlag* stop)
    : m_in(in), m_out(out), m_interactive(interactive), m_stop(stop) {}

std::string Prompter::ask(std::string_view shown, std::string_view automatic) {
  m_out << shown;
  if (!m_interactive) {
    m_out << automatic << '\n';
    return std::string(automatic);
  }
  m_out.flush();
  std::string line;
  if (!std::getline(m_in, line)) {
    m_out << '\n';
    if (m_stop != nullptr) {
      m_stop->check();
    }
    throw Error(ExitCode::action, "No answer: the input ended.");
  }
  return line;
}

bool Prompter::yes_no(std::string_view prompt, bool default_yes) {
  const std::string shown = fmt::format("{} [{}]: ", prompt, default_yes ? "Y/n" : "y/N");
  std::string answer = ask(shown, default_yes ? "Y" : "N");
  if (answer.empty()) {
    answer = default_yes ? "Y" : "N";
  }
  return answer[0] == 'Y' || answer[0] == 'y';
}

double Prompter::number(std::string_view prompt, double default_value) {
  const std::string shown = fmt::format("{} [{:.2f}]: ", prompt, default_value);
  for (;;) {
    const std::string answer = ask(shown, fmt::format("{}", default_value));
    if (answer.empty()) {
      return default_value;
    }
    if (const auto value = config::parse_python_float(answer)) {
      return *value;
    }
    m_out << "Enter a floating point number.\n";
  }
}

std::string Prompter::choice(std::string_view prompt, const std::string& default_value,
                             const std::vector<std::string>& choices) {
  const std::string shown = fmt::format("{} [{}]: ", prompt, default_value);
  std::string answer = ask(shown, default_value);
  if (answer.empty()) {
    answer = default_value;
  }
  while (std::find(choices.begin(), choices.end(), answer) == choices.end()) {
    m_out << fmt::format("Choice must be one of ['{}']\n", fmt::join(choices, "', '"));
    answer = ask(shown, default_value);
  }
  return answer;
}

void Prompter::wait_return(std::string_view prompt) {
  ask(prompt, "");
}

} // namespace cback::span
