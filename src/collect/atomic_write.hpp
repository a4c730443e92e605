#pragma once

// Internal to collect: write a whole file atomically. (core is building a
// shared AtomicFile; this small helper goes once that lands.)

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace cback::collect::detail {

/// Writes `content` to PATH.partial, fsyncs it, renames it over PATH and
/// fsyncs the directory. On failure PATH is untouched, PATH.partial is
/// removed, and the error names the file and the errno text.
tl::expected<void, std::string> write_file_atomically(const std::string& path,
                                                      std::string_view content);

} // namespace cback::collect::detail
