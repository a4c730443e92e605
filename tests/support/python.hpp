#pragma once

// Python 3, for the tests that check that what cback pickles is what the
// Python original reads and the other way round. tools/install-deps.sh
// brings it with cedar-backup3; where it is missing those checks are a
// skip, or under CI=true a failure (support/parts.hpp).

#include "support/parts.hpp"

#include <cstdlib>
#include <string>

namespace cback::test {

/// True when python3 runs; otherwise reports it missing (the test must
/// then return: CBACK_REQUIRE_PART).
inline bool python_available() {
  return std::system("command -v python3 >/dev/null 2>&1") == 0 ||
         report_missing_part("python3", "tools/install-deps.sh installs it with cedar-backup3");
}

/// Runs `python3 -c 'code'`; its exit status as std::system gives it.
inline int python(const std::string& code) {
  return std::system(("python3 -c '" + code + "'").c_str());
}

} // namespace cback::test
