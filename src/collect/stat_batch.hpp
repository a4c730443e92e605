#pragma once

// The lstat of every name of one directory for the walker
// (src/collect/walker.cpp), with many in flight through io_uring (statx):
// on a cold cache a walk otherwise waits for one inode read after the
// other, and that wait is most of an unchanged incremental collect.
// Private to the walker.

#include <cback/collect/walker.hpp>

#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

namespace cback::collect::detail {

class StatBatch {
public:
  /// What one name's lstat gave.
  struct Result {
    struct ::stat st {};
    int error = 0; ///< errno, 0 when st is valid
  };

  /// With StatMethod::batched, sets up a ring when io_uring (and its statx)
  /// is available here; otherwise every name is fstatat'ed in turn.
  explicit StatBatch(StatMethod method);
  ~StatBatch();
  StatBatch(const StatBatch&) = delete;
  StatBatch& operator=(const StatBatch&) = delete;

  /// lstat (AT_SYMLINK_NOFOLLOW) of each name relative to `dir_fd`, in
  /// the order of `names`.
  std::vector<Result> stat_all(int dir_fd, const std::vector<std::string>& names);
  /// Whether io_uring is used.
  [[nodiscard]] bool batched() const noexcept { return m_ring != nullptr; }

private:
  struct Ring;
  void stat_chunk(int dir_fd, const std::vector<std::string>& names, std::size_t first,
                  std::size_t count, std::vector<Result>& out);
  std::unique_ptr<Ring> m_ring;
};

} // namespace cback::collect::detail
