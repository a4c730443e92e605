#pragma once

// What a unit test needs to call an action or an extension: its own
// temporary directory, a logger writing to cback.log in it and to a captured
// screen, a real command runner, and a configuration with an empty
// [options] table that each test fills in.

#include <cback/config/model.hpp>
#include <cback/config/outputs.hpp>
#include <cback/context.hpp>
#include <cback/core/log.hpp>
#include <cback/core/perf.hpp>
#include <cback/core/process.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/stop.hpp>

#include "support/temp_dir.hpp"

#include <sstream>
#include <string>

namespace cback::test {

struct RunFixture {
  TempDir tmp;
  core::RunFlags flags;
  config::Config config;
  core::LazyOutputs outputs = config::lazy_outputs_of(config);
  core::Logger log;
  core::StopFlag stop;
  core::CommandRunner runner{log, stop};
  core::PerfRecorder perf;
  io::RunBackend io{io::BackendOptions{}, log};
  std::ostringstream screen;
  std::ostringstream terminal; ///< progress lines (none: off)
  core::ProgressBoard progress{terminal, core::ProgressSettings{}};
  Context context{flags, config, log, runner, stop, perf, outputs, io, progress};

  /// `settings` as for the run (debug, output); the logfile and the screen
  /// are the fixture's.
  explicit RunFixture(core::LogSettings settings = {}) {
    settings.logfile = tmp / "cback.log";
    settings.screen = &screen;
    log.configure(settings);
    config.options = config::Options{};
  }
  RunFixture(const RunFixture&) = delete;
  RunFixture& operator=(const RunFixture&) = delete;

  /// The logfile so far.
  std::string logged() {
    log.flush();
    return read_file(tmp / "cback.log");
  }
};

/// The extension tests' fixture: debug logging, working_dir tmp/work.
struct ExtendFixture : RunFixture {
  ExtendFixture() : RunFixture(debug_settings()) {
    config.options->working_dir = (tmp / "work").string();
  }

private:
  static core::LogSettings debug_settings() {
    core::LogSettings settings;
    settings.debug = true;
    return settings;
  }
};

} // namespace cback::test
