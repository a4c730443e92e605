#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>

#include <catch2/catch.hpp>

#include <csignal>

using cback::core::StopFlag;

TEST_CASE("check() passes until a stop is requested, then throws 'interrupted'", "[core][stop]") {
  StopFlag flag;
  CHECK_FALSE(flag.requested());
  CHECK_NOTHROW(flag.check());
  flag.request();
  CHECK(flag.requested());
  try {
    flag.check();
    FAIL("check() did not throw");
  } catch (const cback::Error& error) {
    CHECK(error.code() == cback::ExitCode::interrupted);
    CHECK(std::string(error.what()) == "Backup interrupted.");
  }
}

TEST_CASE("SIGINT and SIGTERM set the installed flag", "[core][stop]") {
  for (const int signal : {SIGINT, SIGTERM}) {
    StopFlag flag;
    cback::core::install_stop_handlers(flag);
    CHECK(std::raise(signal) == 0);
    cback::core::remove_stop_handlers();
    CHECK(flag.requested());
  }
}

TEST_CASE("Installing a second flag replaces the first", "[core][stop]") {
  StopFlag first;
  StopFlag second;
  cback::core::install_stop_handlers(first);
  cback::core::install_stop_handlers(second);
  CHECK(std::raise(SIGINT) == 0);
  cback::core::remove_stop_handlers();
  CHECK_FALSE(first.requested());
  CHECK(second.requested());
}

TEST_CASE("The handlers do not restart interrupted system calls", "[core][stop]") {
  StopFlag flag;
  cback::core::install_stop_handlers(flag);
  struct sigaction current {};
  REQUIRE(::sigaction(SIGTERM, nullptr, &current) == 0);
  cback::core::remove_stop_handlers();
  CHECK((current.sa_flags & SA_RESTART) == 0);
}
