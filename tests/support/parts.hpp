#pragma once

// The real parts some tests need (sshd, database servers, tools such as
// xorriso). tools/test.sh starts the servers through tools/servers.sh and
// exports their coordinates as CBACK_TEST_* variables. Outside CI a test
// whose part is missing is skipped; under CI=true it fails, naming the part.
//
// Catch2 v2 has no SKIP(): a skip is a warning "SKIPPED: …" plus a count
// that tests/catch_main.cpp turns into the exit code k_skipped_exit_code
// when nothing failed. ctest knows that code (SKIP_RETURN_CODE in
// tests/CMakeLists.txt), so its summary counts the test as skipped, not
// passed. A test of which one part (a GENERATE value, a SECTION) is skipped
// is reported skipped as a whole.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

/// Ends the test (returns from the function) when `part` is false: a part
/// the test needs (test_sshd(), program_available(...), a mounted
/// SmallTmpfs, a backend...) is missing here, and the function that looked
/// for it has reported that, as a skip or, under CI=true, as a failure.
/// Catch2 v3's SKIP() ends the test by itself; Catch2 v2 needs the return.
#define CBACK_REQUIRE_PART(part)                                                                   \
  do {                                                                                             \
    if (!(part)) {                                                                                 \
      return;                                                                                      \
    }                                                                                              \
  } while (false)

namespace cback::test {

/// The exit code of a test run in which something was skipped and nothing
/// failed.
inline constexpr int k_skipped_exit_code = 4;

/// How many skips this process reported.
inline int& skipped_count() {
  static int count = 0;
  return count;
}

/// Skips the rest of the test for a reason of this host that no test setup
/// provides (an account, a kernel file): reported skipped, under CI too.
/// Returns false so callers can write `return skip(...)` in a predicate or
/// `skip(...); return;` in a test.
inline bool skip(std::string_view why) {
  ++skipped_count();
  WARN("SKIPPED: " << why);
  return false;
}

/// True when the test runs as root; otherwise skips it: `what` needs root.
inline bool running_as_root(std::string_view what) {
  return ::geteuid() == 0 || skip(std::string(what) + " needs root");
}

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

/// Reports a missing part: FAIL under CI=true, otherwise a skip. Returns
/// false so callers can write `return report_missing_part(...)` in a
/// predicate; the test itself must return after it.
inline bool report_missing_part(std::string_view part, std::string_view why) {
  if (running_in_ci()) {
    FAIL("required part missing: " << part << " (" << why << ")");
  }
  return skip(std::string(part) + " is not available (" + std::string(why) + ")");
}

/// The value of `variable`, set by tools/servers.sh when `part` was started;
/// std::nullopt (after report_missing_part) when it is not set.
inline std::optional<std::string> part_env(const char* variable, std::string_view part) {
  const char* value = std::getenv(variable);
  if (value != nullptr && *value != '\0') {
    return std::string(value);
  }
  report_missing_part(part,
                      std::string(variable) + " is not set; run the tests through tools/test.sh");
  return std::nullopt;
}

/// True when `program` is found on PATH; otherwise reports it missing.
inline bool program_available(const std::string& program) {
  const std::string probe = "command -v '" + program + "' >/dev/null 2>&1";
  if (std::system(probe.c_str()) == 0) {
    return true;
  }
  return report_missing_part(program, "not found on PATH");
}

/// The loopback sshd that tools/servers.sh starts: its port, the user and
/// private key tests log in with, a second key it does not accept, a
/// known_hosts file that holds its host key, and its public host key file.
struct TestSshd {
  std::string port;
  std::string user;
  std::string key;
  std::string other_key;
  std::string known_hosts;
  std::string host_pub;
};

/// The test sshd; std::nullopt (after report_missing_part) when it was not
/// started.
inline std::optional<TestSshd> test_sshd() {
  const auto port = part_env("CBACK_TEST_SSH_PORT", "sshd");
  const auto user = part_env("CBACK_TEST_SSH_USER", "sshd");
  const auto key = part_env("CBACK_TEST_SSH_KEY", "sshd");
  const auto other = part_env("CBACK_TEST_SSH_OTHER_KEY", "sshd");
  const auto known_hosts = part_env("CBACK_TEST_SSH_KNOWN_HOSTS", "sshd");
  const auto host_pub = part_env("CBACK_TEST_SSH_HOST_PUB", "sshd");
  if (!port || !user || !key || !other || !known_hosts || !host_pub) {
    return std::nullopt;
  }
  return TestSshd{*port, *user, *key, *other, *known_hosts, *host_pub};
}

} // namespace cback::test
