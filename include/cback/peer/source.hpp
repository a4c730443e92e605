#pragma once

// Where a peer's backup comes from when staging it blocks a thread: its
// collect directory, reached on this machine (LocalSource) or with the
// configured rcp_command (CommandSource). Remote peers over SFTP are read
// by peer::SftpConnection on the event loop (peer/loop_transfer.hpp); the
// transfer, verification and resume steps (peer/transfer.hpp) are the same
// for all.

#include <cback/core/buffer_pool.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cback::peer {

inline constexpr const char* k_collect_indicator = "cback.collect";
inline constexpr const char* k_stage_indicator = "cback.stage";
/// The most cback reads of a small file from a peer (the manifest), whatever
/// the transport.
inline constexpr std::uint64_t k_small_file_limit = std::uint64_t{64} << 20;
/// The most entries cback takes from a remote collect dir's listing: a
/// collect dir holds a few files a day, and a server whose listing never
/// ends must not exhaust memory.
inline constexpr std::size_t k_listing_limit = 100'000;

/// One entry of a collect directory as listed.
struct SourceEntry {
  std::string name;       ///< as listed; transfer_peer refuses any but a plain file name
  bool regular = true;    ///< false: a directory, symlink or device (the peer fails)
  std::uint64_t size = 0; ///< bytes, for regular files
  std::int64_t mtime = 0; ///< seconds since the epoch
  unsigned mode = 0644;   ///< permission bits
};

/// Receives the bytes of a file in order: a buffer whose size() bytes are
/// data. Returns false to abandon the transfer (the source stops at once).
using ChunkSink = std::function<bool(core::Buffer buffer)>;

class PeerSource {
public:
  virtual ~PeerSource() = default;
  PeerSource() = default;
  PeerSource(const PeerSource&) = delete;
  PeerSource& operator=(const PeerSource&) = delete;

  /// Opens the connection, if the transport has one. Throws cback::Error
  /// (ExitCode::action) naming the peer and the cause.
  virtual void open() = 0;
  /// Whether cback.collect is in the collect directory. A missing file is
  /// false; a failure to look (no connection) throws.
  virtual bool collect_indicator_present() = 0;
  /// The entries of the collect directory, without "." and "..".
  virtual std::vector<SourceEntry> list() = 0;
  /// The content of a small file (the manifest), or nothing if it does not
  /// exist. Throws on other errors.
  virtual std::optional<std::string> read_small(const std::string& name) = 0;
  /// Sends bytes [offset, entry.size) of `entry` to `sink` in buffers taken
  /// from `pool`. Throws cback::Error naming the file when reading fails or
  /// the file ends early; bytes past entry.size (a file that grew) are not
  /// sent. Returns false if `sink` abandoned the transfer.
  virtual bool pull(const SourceEntry& entry, std::uint64_t offset, core::BufferPool& pool,
                    const ChunkSink& sink) = 0;
  /// Writes an empty cback.stage into the collect directory.
  virtual void write_stage_indicator() = 0;
  /// "peer [name] (host:dir)" style text for messages.
  [[nodiscard]] virtual std::string describe() const = 0;
};

} // namespace cback::peer
