#pragma once

// A run context for the extension unit tests: its own temporary directory,
// a logfile inside it, a real command runner and an empty configuration
// that each test fills in.

#include <cback/config/model.hpp>
#include <cback/config/outputs.hpp>
#include <cback/context.hpp>
#include <cback/core/log.hpp>
#include <cback/core/perf.hpp>
#include <cback/core/process.hpp>
#include <cback/core/stop.hpp>

#include "support/temp_dir.hpp"

#include <sstream>
#include <string>

namespace cback::test {

struct ExtendFixture {
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

  ExtendFixture() {
    core::LogSettings settings;
    settings.logfile = tmp / "cback.log";
    settings.screen = &screen;
    settings.debug = true;
    log.configure(settings);
    config.options = config::Options{};
    config.options->working_dir = (tmp / "work").string();
  }

  Context context() { return Context{flags, config, log, runner, stop, perf, outputs, io}; }

  /// The logfile so far.
  std::string logged() {
    log.flush();
    return read_file(tmp / "cback.log");
  }
};

} // namespace cback::test
