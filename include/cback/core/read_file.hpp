#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include <tl/expected.hpp>

namespace cback::core {

/// The whole content of `path` (one allocation, sized by fstat), or the
/// error of open/read (errno as a std::error_code; ENOENT when missing).
/// For cback's own files (configuration, state); symlinks are followed.
tl::expected<std::string, std::error_code> read_file(const std::filesystem::path& path);

/// The whole content of `name` in the directory `dir_fd` when that
/// directory may hold hostile entries (a peer's collect dir, a staging
/// dir): opened beneath it without following symlinks and without
/// blocking, checked to be a regular file of at most `limit` bytes before
/// a byte is read, and never more than `limit` bytes read (a file that
/// grows meanwhile is refused). Errors as core::open_regular_beneath.
tl::expected<std::string, std::error_code> read_file_beneath(int dir_fd, std::string_view name,
                                                             std::uint64_t limit);

} // namespace cback::core
