// The test programs' main: Catch2's session, with an exit code of its own
// for a run that skipped something and failed nothing (support/parts.hpp).

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "support/parts.hpp"

int main(int argc, char* argv[]) {
  const int failed = Catch::Session().run(argc, argv);
  if (failed == 0 && cback::test::skipped_count() > 0) {
    return cback::test::k_skipped_exit_code;
  }
  return failed;
}
