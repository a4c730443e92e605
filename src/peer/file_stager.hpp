#pragma once

// Private to the peer module: the steps of staging one peer's files
// (peer/transfer.hpp says what they guarantee), written once and driven
// two ways. transfer_peer (transfer.cpp) runs them on the peer's thread
// with a PeerSource; the event loop (loop_transfer.cpp) runs the network
// parts as coroutines and hands each blocking step (opening, hashing,
// writing, renaming) to a worker thread.

#include <cback/collect/manifest.hpp>
#include <cback/core/buffer_pool.hpp>
#include <cback/core/clock.hpp>
#include <cback/core/digest.hpp>
#include <cback/core/pacer.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/io/file_writer.hpp>
#include <cback/peer/transfer.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cback::peer::detail {

/// The manifest's archives and content indexes by name.
using Digests = std::map<std::string, collect::ManifestArchive, std::less<>>;

/// The digests of the peer's cback.manifest (`text`; none when the peer
/// wrote no manifest). Throws naming `peer` when it is unreadable.
Digests parse_digests(const std::optional<std::string>& text, const std::string& peer);

/// The entries of a listing to stage, sorted by name, after every check
/// the peer's word needs (plain names, no duplicates, possible sizes,
/// regular files only, every archive of the manifest present with its
/// size). Partial files of a collect that died are left out with a
/// warning. Throws naming `peer` on the first entry that fails.
std::vector<SourceEntry> select_entries(std::vector<SourceEntry> listed, const Digests& digests,
                                        const std::string& peer, core::Logger& log);

/// One file on its way into NAME.partial, from FileStager::begin to
/// FileStager::finish.
struct IncomingFile {
  SourceEntry entry;
  const collect::ManifestArchive* archive = nullptr; ///< its manifest line, if any
  std::string partial;                               ///< NAME.partial
  core::UniqueFd fd;
  std::uint64_t offset = 0;         ///< bytes already there (resumed)
  std::uint64_t done = 0;           ///< bytes in the file so far
  std::optional<core::Sha256> hash; ///< only for a file the manifest lists
  std::unique_ptr<io::FileWriter> writer;
  std::optional<io::IoError> write_error;
};

/// Stages the files of one peer into its directory (opened beneath its
/// fd, never through a link). Used by one thread at a time.
class FileStager {
public:
  /// `peer` names the peer in errors ("peer [name] (host:dir)").
  FileStager(std::string peer, const std::filesystem::path& target_dir,
             const TransferSettings& settings, core::Logger& log);
  ~FileStager();
  FileStager(const FileStager&) = delete;
  FileStager& operator=(const FileStager&) = delete;

  /// Starts `entry`: nothing when it is already staged and verified (then
  /// counted in `result` as staged and skipped); otherwise the file to
  /// receive, its NAME.partial open (continued when it is a resumable
  /// prefix, hashed so far), room checked. Blocking (it may hash a whole
  /// staged file).
  std::optional<IncomingFile>
  begin(const SourceEntry& entry, const collect::ManifestArchive* archive, TransferResult& result);
  /// Hashes and writes the next buffer of `file`. False when the transfer
  /// must stop: more bytes than listed, or a write failed (finish says
  /// which). Blocking: the write waits for the one before it.
  bool take(IncomingFile& file, core::Buffer buffer, TransferResult& result);
  /// Ends `file` once its source is done (`finished` false: abandoned):
  /// syncs it, checks what came and the digest, renames it to NAME and
  /// counts it. Throws naming the peer and the file on any failure (a stop
  /// request: Error(interrupted)).
  void finish(IncomingFile& file, bool finished, TransferResult& result);
  /// Makes the renames durable.
  void sync_dir() const;

  /// The peer's buffers (settings.buffer_count of settings.buffer_size
  /// bytes), made at the first call.
  core::BufferPool& pool();

  /// The peer's bandwidth limit: how long to wait after `bytes` more came
  /// (zero without a limit).
  [[nodiscard]] core::Pacer::Seconds pace_delay(std::int64_t bytes);
  /// The blocking form: waits as pace_delay says and for the run's shared
  /// limit, looking at the stop flag.
  void pace(std::int64_t bytes);

private:
  [[noreturn]] void fail(const std::string& message) const;
  core::UniqueFd already_staged(const SourceEntry& entry, const collect::ManifestArchive* archive);
  std::uint64_t open_partial(const SourceEntry& entry, const std::string& partial,
                             core::UniqueFd& fd);
  void check_room(const SourceEntry& entry, const std::string& partial, std::uint64_t offset);
  void verify(IncomingFile& file);
  void give_away(int fd, const std::string& name);
  io::Engine& engine();
  [[nodiscard]] std::string path_of(const std::string& name) const {
    return (m_dir / name).string();
  }

  std::string m_peer;
  std::filesystem::path m_dir;
  core::UniqueFd m_dir_fd; ///< every staged file is opened beneath it
  const TransferSettings& m_settings;
  core::Logger& m_log;
  std::optional<core::BufferPool> m_pool;
  std::optional<core::Pacer> m_throttle;
  /// Writes every file of the peer in turn (made at the first one sent).
  std::unique_ptr<io::Engine> m_engine;
};

} // namespace cback::peer::detail
