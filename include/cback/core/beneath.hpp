#pragma once

// Opening files inside a directory that someone else may write (a peer's
// collect dir, a staging dir owned by the backup user): the name is one
// path component, and the open never follows a symbolic link nor leaves
// the directory, whatever the directory holds (docs/ARCHITECTURE.md, Stage).

#include <cback/core/unique_fd.hpp>

#include <string_view>
#include <sys/types.h>
#include <system_error>

#include <tl/expected.hpp>

namespace cback::core {

/// Why a file was refused before anything was read from it.
enum class FileRefusal {
  symlink = 1, ///< a symbolic link where a file was expected
  not_regular, ///< a directory, FIFO, socket or device
  too_large,   ///< larger than the caller's limit
};
[[nodiscard]] const std::error_category& file_refusal_category() noexcept;
[[nodiscard]] std::error_code make_error_code(FileRefusal refusal) noexcept;

/// True when `name` names an entry of a directory: not empty, not "." or
/// "..", without '/' or NUL, and at most NAME_MAX bytes.
[[nodiscard]] bool is_plain_name(std::string_view name) noexcept;

/// openat(dir_fd, name, flags, mode) that resolves `name` beneath `dir_fd`
/// only and follows no symlink, not even as the last component (openat2
/// with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS; on kernels without openat2,
/// openat with O_NOFOLLOW, which is equivalent for a plain name). O_CLOEXEC
/// is always added. A name that is not plain fails with EINVAL; a symlink
/// fails with ELOOP. On failure the fd is invalid and errno says why.
[[nodiscard]] UniqueFd open_beneath(int dir_fd, std::string_view name, int flags,
                                    mode_t mode = 0) noexcept;

/// Opens the existing regular file `name` beneath `dir_fd` (flags such as
/// O_RDONLY or O_RDWR; O_NONBLOCK is added so that a FIFO or device put
/// there never blocks the open). The error is errno's (ENOENT when
/// missing) or a FileRefusal: symlink, not_regular, or too_large when the
/// file has more than `limit` bytes.
[[nodiscard]] tl::expected<UniqueFd, std::error_code>
open_regular_beneath(int dir_fd, std::string_view name, int flags,
                     std::uint64_t limit = UINT64_MAX) noexcept;

} // namespace cback::core

template <>
struct std::is_error_code_enum<cback::core::FileRefusal> : std::true_type {};
