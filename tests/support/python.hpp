#pragma once

// Python 3, for the tests that check that what cback pickles is what the
// Python original reads and the other way round. Not a part the test setup
// provides: where it is missing, those checks are skipped (support/parts.hpp).

#include <cstdlib>
#include <string>

namespace cback::test {

inline bool python_available() {
  return std::system("command -v python3 >/dev/null 2>&1") == 0;
}

/// Runs `python3 -c 'code'`; its exit status as std::system gives it.
inline int python(const std::string& code) {
  return std::system(("python3 -c '" + code + "'").c_str());
}

} // namespace cback::test
