#pragma once

// One cback run per working directory at a time (the original had no lock;
// docs/compatibility.md). The lock is flock() on <dir>/cback.lock, so it goes
// away with the process however that ends, and the file holds the pid of
// the holder for the message of the run that is turned away.

#include <cback/core/unique_fd.hpp>

#include <filesystem>

namespace cback::core {

class RunLock {
public:
  /// Takes the lock on `dir`/cback.lock (created when missing). Throws
  /// cback::Error(ExitCode::action) when another open file description holds
  /// it ("Another cback run (pid N) is already using working directory DIR;
  /// not starting.") or when the file cannot be opened.
  explicit RunLock(const std::filesystem::path& dir);
  /// Empties the file and releases the lock. The file itself stays:
  /// unlinking it would let a waiting run lock an inode nobody else sees.
  ~RunLock();

  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  RunLock(RunLock&&) noexcept = default;
  RunLock& operator=(RunLock&&) noexcept;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }

private:
  void release() noexcept;

  std::filesystem::path m_path;
  UniqueFd m_fd;
};

} // namespace cback::core
