#pragma once

// Reading a directory through its fd: the names in it and its symlinks'
// targets, never a path looked up again.

#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace cback::core {

/// The names read from a directory, and why the reading stopped early.
struct DirNames {
  std::vector<std::string> names; ///< without "." and "..", sorted byte-wise
  std::error_code error;          ///< set when not every name could be read
};

/// The names in the directory open at `dir_fd`, read from its start
/// through a duplicate of the fd (which stays as it was). Sorted, so a
/// listing is the same from run to run, whatever order the filesystem
/// gives. On an error, the names read before it are kept.
DirNames list_names(int dir_fd);

/// The target of the symbolic link `name` beneath `dir_fd`, whatever its
/// length; nothing when `name` is not a link or cannot be read.
std::optional<std::string> read_link(int dir_fd, const char* name);

} // namespace cback::core
