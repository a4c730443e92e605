#pragma once

// `cback-bench stage`: reads a remote peer's file over SFTP with several
// settings and recommends sftp_requests_in_flight and sftp_request_size
// (docs/tuning.md, "Tuning stage over SFTP").

#include <string_view>
#include <vector>

namespace cback::bench_stage {

/// Runs the command with the arguments after "stage": prints the summary,
/// writes the CSV and SVG asked for. Returns the exit code; throws
/// cback::Error (usage, config, action) for the caller to report.
int run_stage_bench(const std::vector<std::string_view>& args);

} // namespace cback::bench_stage
