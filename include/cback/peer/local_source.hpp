#pragma once

// A local peer (docs/compatibility.md, "Stage"): its collect directory is on this
// machine and is read with plain POSIX reads, every file opened beneath the collect dir without
// following symlinks or blocking (a FIFO or device there fails the peer).

#include <cback/peer/source.hpp>

#include <cback/core/unique_fd.hpp>

#include <filesystem>
#include <string>

namespace cback::peer {

class LocalSource final : public PeerSource {
public:
  LocalSource(std::string peer_name, std::filesystem::path collect_dir);

  /// Nothing to open. A collect directory that does not exist has no
  /// cback.collect, so the peer is "not ready" (as in the original).
  void open() override;
  bool collect_indicator_present() override;
  std::vector<SourceEntry> list() override;
  std::optional<std::string> read_small(const std::string& name) override;
  bool pull(const SourceEntry& entry, std::uint64_t offset, core::BufferPool& pool,
            const ChunkSink& sink) override;
  void write_stage_indicator() override;
  [[nodiscard]] std::string describe() const override;

private:
  /// The collect dir, opened once; every file is opened beneath it
  /// (core/beneath.hpp). Throws when it cannot be opened.
  int directory();

  std::string m_peer_name;
  std::filesystem::path m_collect_dir;
  core::UniqueFd m_dir;
};

} // namespace cback::peer
