#pragma once

// One environment variable set (or unset) for a scope: CBACK_TODAY for a
// simulated day, the locale variables a child inherits.

#include <cstdlib>
#include <optional>
#include <string>

namespace cback::test {

/// Sets `name` to `value` (unsets it when `value` is null) and puts back
/// what was there when it goes away.
class ScopedEnv {
public:
  ScopedEnv(const char* name, const char* value) : m_name(name) {
    if (const char* old = std::getenv(name); old != nullptr) {
      m_old = old;
    }
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (m_old) {
      ::setenv(m_name.c_str(), m_old->c_str(), 1);
    } else {
      ::unsetenv(m_name.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
  std::string m_name;
  std::optional<std::string> m_old;
};

} // namespace cback::test
