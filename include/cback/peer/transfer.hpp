#pragma once

// Staging one peer's collect directory into its directory under the daily
// staging dir, whatever the transport (peer/source.hpp):
//
//  - every regular file is written as NAME.partial, fsynced, checked and
//    renamed to NAME, so a file named NAME is always complete and verified;
//  - the check is the size, plus the SHA-256 of the peer's cback.manifest
//    when the peer wrote one and lists the file;
//  - a file already staged (same size and source identity, and the same
//    digest when the manifest lists it) is not sent again; a NAME.partial
//    left by an interrupted run is continued from its length when it comes
//    from the same version of the source file, and the whole result is
//    checked as above.
//
// `target_dir` belongs to the backup user and may hold planted links: every
// file in it is opened beneath its fd without following any
// (core/beneath.hpp).
//
// The source identity ("<size> <mtime>") is kept in the extended attribute
// user.cback.source of the staged and partial files. Where the file system
// has no user xattrs, a partial file is started afresh and a staged file is
// kept only when the manifest proves it.

#include <cback/core/ownership.hpp>
#include <cback/core/stop.hpp>
#include <cback/io/backend.hpp>
#include <cback/peer/shared_limit.hpp>
#include <cback/peer/source.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace cback::core {
class Logger;
}

namespace cback::peer {

/// Bytes of one file done so far out of its size; called on the pulling
/// thread, often (the callee rate-limits its output).
using FileProgress =
    std::function<void(const std::string& file, std::uint64_t done, std::uint64_t total)>;

struct TransferSettings {
  io::Backend* backend = nullptr;             ///< file writes (required)
  const core::Ownership* ownership = nullptr; ///< chown staged files (root only); may be null
  core::StopFlag* stop = nullptr;             ///< polled between buffers; may be null
  std::optional<double> bandwidth_limit;      ///< bytes per second, whole peer
  SharedLimit* shared_limit = nullptr;        ///< the run's total limit; may be null
  std::size_t buffer_size = std::size_t{1} << 20;
  unsigned buffer_count = 4;
  FileProgress progress; ///< may be empty
};

/// What one peer's transfer did.
struct TransferResult {
  std::uint64_t files = 0;         ///< files staged (sent, resumed or already there)
  std::uint64_t bytes = 0;         ///< their total size
  std::uint64_t sent = 0;          ///< bytes transferred by this run
  std::uint64_t files_skipped = 0; ///< already staged and verified: not sent again
  std::uint64_t files_resumed = 0; ///< continued from a NAME.partial
};

/// Stages every file of `source` (already open and ready) into
/// `target_dir` (which exists), adding to `result` as each file is done.
/// Throws cback::Error(ExitCode::action) naming the peer and the file on
/// the first failure: a listed name that is not a plain file name (see
/// core::is_plain_name) or appears twice, a size that is impossible, differs
/// from the manifest or exceeds the free space, a directory or symlink in
/// the collect dir, a read or write error, a short file, a size or checksum
/// mismatch (the bad NAME.partial is removed so a re-run starts it afresh),
/// an archive the manifest lists that is missing. Files staged before the failure stay
/// staged, and `result` counts them. Throws Error(interrupted) when `stop`
/// is raised.
void transfer_peer(PeerSource& source, const std::filesystem::path& target_dir,
                   const TransferSettings& settings, core::Logger& log, TransferResult& result);

/// As above, into a fresh result.
TransferResult transfer_peer(PeerSource& source, const std::filesystem::path& target_dir,
                             const TransferSettings& settings, core::Logger& log);

} // namespace cback::peer
