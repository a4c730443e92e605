#pragma once

// Shared by the io tests: the backend under test (both, via GENERATE), random
// content, and running a check in a forked child.

#include <cback/io/backend.hpp>

#include "support/parts.hpp"
#include "support/random_bytes.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <span>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>

namespace cback::test {

/// The backend for `preference` (uring or posix). When io_uring is
/// unavailable here the uring variant is skipped (report_missing_part: a
/// failure under CI=true). Returns nullptr when skipped.
inline std::unique_ptr<io::Backend> backend_under_test(io::Preference preference) {
  io::BackendOptions options;
  options.preference = preference;
  options.posix_threads = 8;
  auto backend = io::make_backend(options);
  if (backend) {
    return std::move(*backend);
  }
  if (preference == io::Preference::uring) {
    report_missing_part("io_uring", backend.error());
    return nullptr;
  }
  FAIL(backend.error());
  return nullptr;
}

/// The backend of tests that need one without testing it: the run's
/// default (io_uring where it works, else posix; CBACK_IO honoured), made
/// once.
inline io::Backend& default_backend() {
  static const std::unique_ptr<io::Backend> backend = [] {
    auto made = io::make_backend(io::Preference::automatic);
    if (!made) {
      throw std::runtime_error(made.error());
    }
    return std::move(*made);
  }();
  return *backend;
}

/// Both backends, one after the other (a Catch2 generator).
#define CBACK_EACH_BACKEND()                                                                       \
  GENERATE(::cback::io::Preference::uring, ::cback::io::Preference::posix)

/// In a test body: declares `preference`, each backend in turn, and
/// `backend`, the Backend for it; returns from the test where that backend
/// is skipped (backend_under_test).
#define CBACK_BACKEND_UNDER_TEST(preference, backend)                                              \
  const auto preference = CBACK_EACH_BACKEND();                                                    \
  CAPTURE(::cback::io::to_string(preference));                                                     \
  auto backend = ::cback::test::backend_under_test(preference);                                    \
  CBACK_REQUIRE_PART(backend)

/// 64-bit FNV-1a, continued from `hash`.
inline std::uint64_t fnv1a(std::span<const std::byte> bytes,
                           std::uint64_t hash = 0xcbf29ce484222325ULL) {
  for (const std::byte b : bytes) {
    hash = (hash ^ static_cast<std::uint64_t>(b)) * 0x100000001b3ULL;
  }
  return hash;
}

inline std::span<const std::byte> as_bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

struct ChildResult {
  int exit_status = -1; ///< -1 when killed by a signal
  std::string output;   ///< what the body returned
};

/// Runs `body` in a forked child and returns what it returned. For checks
/// that change the process for good (seccomp, rlimits, mount namespaces).
/// The body must not use Catch2 assertions; it reports in its text. Threads
/// do not survive fork(): the body makes its own Backend (a posix backend of
/// the parent has no threads in the child), and the parent has no backend
/// alive when it forks: a pool thread inside malloc at that moment would
/// leave the child's allocator locked (ASan's allocator is not fork-safe).
inline ChildResult run_in_child(const std::function<std::string()>& body) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    std::string text;
    try {
      text = body();
    } catch (const std::exception& error) {
      text = std::string("exception: ") + error.what();
    }
    const char* data = text.data();
    std::size_t left = text.size();
    while (left > 0) {
      const ssize_t n = ::write(pipe_fds[1], data, left);
      if (n <= 0) {
        break;
      }
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    ::_exit(0); // no atexit handlers, no leak check of the parent's heap
  }
  ::close(pipe_fds[1]);
  ChildResult result;
  char chunk[4096];
  for (ssize_t n = 0; (n = ::read(pipe_fds[0], chunk, sizeof chunk)) > 0;) {
    result.output.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

} // namespace cback::test
