#pragma once

#include <cback/config/model.hpp>
#include <cback/core/log.hpp>
#include <cback/core/outputs.hpp>
#include <cback/core/perf.hpp>
#include <cback/core/process.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/run_flags.hpp>
#include <cback/core/stop.hpp>
#include <cback/io/run_backend.hpp>

namespace cback {

/// Everything one run needs, passed explicitly to every action. There are
/// no mutable globals: what an action reads or changes is reachable from
/// here.
struct Context {
  const core::RunFlags& flags; ///< what the command line asks of every action
  const config::Config& config;
  core::Logger& log;
  core::CommandRunner& runner;
  core::StopFlag& stop;
  core::PerfRecorder& perf;         ///< timings for --perf (always filled, printed on request)
  const core::LazyOutputs& outputs; ///< gives outputs to the backup user (config::lazy_outputs_of)
  io::RunBackend& io;               ///< the run's file I/O backend, made when first used
  core::ProgressBoard& progress;    ///< the jobs' progress lines (live on a terminal)
  std::string_view action{};        ///< the action being run (set by cli::execute before each one)
};

} // namespace cback
