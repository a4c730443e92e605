#pragma once

// The real parts some tests need (sshd, database servers, tools such as
// xorriso). tools/test.sh starts the servers through tools/servers.sh and
// exports their coordinates as CBACK_TEST_* variables. Outside CI a test
// whose part is missing is skipped with a warning that says so; under
// CI=true it fails, naming the part.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace cback::test {

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

/// Reports a missing part: FAIL under CI=true, otherwise WARN "SKIPPED: …".
/// Returns false so callers can write `if (!part_missing(...)) return;`.
inline bool report_missing_part(std::string_view part, std::string_view why) {
  if (running_in_ci()) {
    FAIL("required part missing: " << part << " (" << why << ")");
  }
  WARN("SKIPPED: " << part << " is not available (" << why << ")");
  return false;
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
