#pragma once

// The amazons3 extension's side of an upload: the staged files of a day,
// opened without following links, and the encrypt command whose output is
// read while it runs (no temporary copy).

#include <cback/core/unique_fd.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::extend {

/// A staged file to upload.
struct StagedObject {
  std::filesystem::path relative; ///< below the daily dir: <peer>/<file>
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

/// Every staged file of `daily_dir` (staged_files: regular, no links, no
/// indicators) and each peer's manifest (cback.manifest, which a restore
/// from the bucket needs), with its size and modification time.
std::vector<StagedObject> list_staged_objects(const std::filesystem::path& daily_dir);

/// Opens `relative` below `daily_dir` one component at a time, never
/// following a link (the staging dir belongs to the backup user). Throws
/// Error(action) naming the file.
core::UniqueFd open_staged_object(const std::filesystem::path& daily_dir,
                                  const std::filesystem::path& relative);

/// The encrypt command run on one staged file: its stdin is the file, its
/// stdout a pipe whose read end is `output()`. `${input}` in the command
/// stands for /dev/stdin, `${output}` for /dev/stdout, so no file name is
/// ever put into the shell command. Run as the backup user (`su USER -c`)
/// when cback runs as root with another backup user, else `/bin/sh -c`.
class EncryptStream {
public:
  EncryptStream(Context& context, const std::string& command, core::UniqueFd input,
                std::string name);
  /// Closes the pipe (a child still writing gets SIGPIPE) and waits for it.
  ~EncryptStream();
  EncryptStream(const EncryptStream&) = delete;
  EncryptStream& operator=(const EncryptStream&) = delete;

  [[nodiscard]] int output() const { return m_read.get(); }
  /// Waits for the command; throws Error(action) naming the file unless it
  /// exited 0. Call after reading output() to its end.
  void finish();

private:
  core::UniqueFd m_input;
  core::UniqueFd m_read;
  std::string m_name;
  int m_status = 0;
  std::string m_tail;
  std::thread m_thread;
};

} // namespace cback::extend
