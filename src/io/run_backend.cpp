#include <cback/io/run_backend.hpp>

#include <cback/core/error.hpp>

namespace cback::io {

RunBackend::RunBackend(BackendOptions options, core::Logger& log)
    : m_options(options), m_log(log) {}

Backend& RunBackend::get() {
  const std::lock_guard lock(m_mutex);
  if (m_backend) {
    return *m_backend;
  }
  auto made = make_backend(m_options);
  if (!made) {
    throw Error(ExitCode::action, made.error());
  }
  m_backend = std::move(*made);
  if (!m_backend->note().empty()) {
    m_log.info("{}", m_backend->note());
  }
  m_log.debug("File I/O backend is [{}].", to_string(m_backend->kind()));
  return *m_backend;
}

} // namespace cback::io
