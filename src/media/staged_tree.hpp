#pragma once

// The staged directories of one session as libisofs nodes, for src/media
// only. Every regular file gets a stream of ours that reads through one
// ReadAhead (read_ahead.hpp), and libisofs is told the order to write them
// in (sort weights: by device and inode, the order a disk reads fastest
// and the order libisofs used itself), which is the order ReadAhead reads.
// Hard links share one stream, so their content is written once.

#include <cback/media/libraries.hpp>
#include <cback/media/session.hpp>

#include "read_ahead.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace cback::media {

struct StagedStream;

class StagedTree {
public:
  /// The files are read through `io` (read_ahead.hpp), which must outlive
  /// the tree.
  explicit StagedTree(io::Backend& io);
  StagedTree(StagedTree&&) noexcept = default;
  StagedTree& operator=(StagedTree&&) noexcept = default;
  /// Stops the read-ahead: libisoburn may keep the image (and so the
  /// streams) after the write.
  ~StagedTree();

  /// Calls `gate` before every read of a file added from now on (empty:
  /// none). Call before add().
  void pace_reads(ReadGate gate);

  /// Adds the entries of the directory `source` (recursively) below `dir`
  /// with their modes, owners and times: directories, regular files,
  /// symbolic links (not followed) and special files. Throws
  /// cback::Error(action) naming the entry that cannot be read or added.
  void add(IsoImage* image, IsoDir* dir, const std::filesystem::path& source);

  /// Fixes the write order of the files added so far. Call once, after the
  /// last add() and before the image is written (isoburn_igopt sort_files).
  void fix_order();

  /// What could not be read while the image was written ("[path]: reason"),
  /// for the write's error report. libisofs itself only names such files
  /// "UNKNOWN SOURCE" and writes zeros in their place.
  std::vector<std::string> read_errors() const;

  /// Regular files added (each name of a hard-linked file counts).
  [[nodiscard]] std::uint64_t files() const noexcept { return m_files; }
  /// Their content bytes (a hard-linked file's once, as the image holds it).
  [[nodiscard]] std::uint64_t bytes() const noexcept { return m_bytes; }

private:
  struct Inode {
    StagedStream* state = nullptr; // owned by the stream
    IsoStream* stream = nullptr;   // owned by the files' nodes
    std::vector<IsoFile*> files;
  };
  void add_entry(IsoImage* image, IsoDir* dir, const std::filesystem::path& path);
  void add_file(IsoImage* image, IsoDir* dir, const std::string& name,
                const std::filesystem::path& path, const struct stat& info);

  std::shared_ptr<ReadAhead> m_read_ahead;
  std::shared_ptr<const ReadGate> m_gate;
  std::map<std::pair<dev_t, ino_t>, Inode> m_inodes;
  std::uint64_t m_files = 0;
  std::uint64_t m_bytes = 0;
};

} // namespace cback::media
