#pragma once

// The two Backend implementations; private to src/io.

#include <cback/io/backend.hpp>

#include <memory>
#include <string>

namespace cback::io::detail {

/// io_uring is usable in this process: empty, or why not (as IoError).
std::optional<IoError> probe_uring();
/// A hint for an io_uring_setup errno ("disabled by sysctl ...").
std::string uring_hint(int error_number);

std::unique_ptr<Backend> make_uring_backend();
std::unique_ptr<Backend> make_posix_backend(unsigned threads);

} // namespace cback::io::detail
