#pragma once

#include <cback/cli/options.hpp>
#include <cback/config/model.hpp>
#include <cback/core/log.hpp>
#include <cback/core/perf.hpp>
#include <cback/core/process.hpp>
#include <cback/core/stop.hpp>
#include <cback/io/run_backend.hpp>

namespace cback {

/// Everything one run needs, passed explicitly to every action. There are
/// no mutable globals: what an action reads or changes is reachable from
/// here.
struct Context {
  const cli::Options& options;
  const config::Config& config;
  core::Logger& log;
  core::CommandRunner& runner;
  core::StopFlag& stop;
  core::PerfRecorder& perf;  ///< timings for --perf (always filled, printed on request)
  io::RunBackend& io;        ///< the run's file I/O backend, made when first used
  std::string_view action{}; ///< the action being run (set by cli::execute before each one)
};

} // namespace cback
