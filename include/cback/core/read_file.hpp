#pragma once

#include <filesystem>
#include <string>
#include <system_error>

#include <tl/expected.hpp>

namespace cback::core {

/// The whole content of `path` (one allocation, sized by fstat), or the
/// error of open/read (errno as a std::error_code; ENOENT when missing).
tl::expected<std::string, std::error_code> read_file(const std::filesystem::path& path);

} // namespace cback::core
