#pragma once

#include <tl/expected.hpp>

#include <filesystem>
#include <string>

namespace cback::io {

/// A failed file operation: what was done, to which file, and errno.
struct IoError {
  std::string operation; ///< "open", "read", "write", "fdatasync", "io_uring_setup", ...
  std::filesystem::path path;
  int error_number = 0;

  /// "write /srv/stage/x.tar.zst.partial: No space left on device"
  [[nodiscard]] std::string message() const;
};

template <class T>
using Result = tl::expected<T, IoError>;

} // namespace cback::io
