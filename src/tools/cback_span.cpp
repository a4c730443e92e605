// cback-span: spans the staging data not yet written to disc across several
// discs (docs/compatibility.md, "cback-span"), interactively as the original
// cback3-span, or without questions for scripts (--yes). Switches as cback's;
// exit codes as cback's (2 usage, 3 logging, 4 configuration, 5 interrupted,
// 6 other).

#include <cback/cli/main.hpp>

int main(int argc, char** argv) {
  return cback::cli::span_main(argc, argv);
}
