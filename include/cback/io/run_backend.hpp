#pragma once

// The one I/O backend of a run (docs/io.md, "Selection").

#include <cback/core/log.hpp>
#include <cback/io/backend.hpp>

#include <memory>
#include <mutex>

namespace cback::io {

/// The backend every action of one run shares: collect, stage and store
/// ask it for the same Backend. It is made at the first get(), so a run
/// whose actions do no file I/O (validate, purge) never probes io_uring,
/// starts the posix threads or looks at CBACK_IO.
class RunBackend {
public:
  /// `options.preference` is the configuration's `io_backend`; CBACK_IO
  /// replaces it when set (make_backend).
  RunBackend(BackendOptions options, core::Logger& log);
  RunBackend(const RunBackend&) = delete;
  RunBackend& operator=(const RunBackend&) = delete;

  /// The backend, made on the first call: the reason for a fallback is
  /// logged at INFO, the backend chosen at DEBUG. Throws
  /// cback::Error(action) with make_backend's sentence when it cannot be
  /// made, on this and every later call. Thread-safe.
  Backend& get();

private:
  BackendOptions m_options;
  core::Logger& m_log;
  std::mutex m_mutex;
  std::unique_ptr<Backend> m_backend;
};

} // namespace cback::io
