#pragma once

namespace cback::cli {

/// The whole program: parse switches, set up logging, load the config,
/// run the actions, report. Returns the exit code of the man page.
int main(int argc, char** argv);

} // namespace cback::cli
