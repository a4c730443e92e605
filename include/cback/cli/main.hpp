#pragma once

namespace cback::cli {

/// The whole program: parse switches, set up logging, load the config,
/// run the actions, report. Returns the exit code of the man page.
int main(int argc, char** argv);

/// The cback-span program: cback's switches (plus its own, see its usage
/// text), logging and configuration as cback's, then span::run_span.
/// Returns the exit code.
int span_main(int argc, char** argv);

} // namespace cback::cli
