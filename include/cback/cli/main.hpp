#pragma once

#include <cback/io/backend.hpp>

namespace cback::config {
struct Config;
} // namespace cback::config

namespace cback::cli {

/// The run's I/O backend as configured (`io_backend` in [collect]); CBACK_IO
/// replaces it when set (io::make_backend). Both programs make their
/// io::RunBackend from it.
io::BackendOptions io_options(const config::Config& config);

/// The whole program: parse switches, set up logging, load the config,
/// run the actions, report. Returns the exit code of the man page.
int main(int argc, char** argv);

/// The cback-span program: cback's switches (plus its own, see its usage
/// text), logging and configuration as cback's, then span::run_span.
/// Returns the exit code.
int span_main(int argc, char** argv);

/// The cback-amazons3-sync program: cback's logging switches plus its own
/// (see docs/cback-amazons3-sync.1), then s3::sync. Returns the exit code.
int amazons3_sync_main(int argc, char** argv);

} // namespace cback::cli
