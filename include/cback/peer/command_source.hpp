#pragma once

// A remote peer reached with the configured rcp_command (scp), as the
// original does, for peers where SFTP is not possible (a restricted key
// that allows only `scp -f`/`scp -t`, say). The whole collect directory is
// copied with one `rcp user@host:collect_dir/* DIR` into a private scratch
// directory under working_dir; from there it is staged like a local peer,
// so verification, commit by rename and the status record are the same.
// Resuming a killed transfer is not possible with this transport.

#include <cback/core/process.hpp>
#include <cback/core/temp_dir.hpp>
#include <cback/peer/local_source.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cback::peer {

struct CommandEndpoint {
  std::string peer_name;
  std::string remote;               ///< user@host
  std::string collect_dir;          ///< on the peer
  std::vector<std::string> rcp;     ///< rcp_command split into words
  std::optional<std::string> su_as; ///< run through `su USER -c` (as root, like the original)
  std::filesystem::path working_dir;
};

class CommandSource final : public PeerSource {
public:
  CommandSource(CommandEndpoint endpoint, core::CommandRunner& runner);
  /// Removes the scratch directory.
  ~CommandSource() override;

  /// Makes the scratch directory.
  void open() override;
  /// Copies cback.collect from the peer; any failure counts as not ready
  /// (as the original).
  bool collect_indicator_present() override;
  std::vector<SourceEntry> list() override;
  std::optional<std::string> read_small(const std::string& name) override;
  bool pull(const SourceEntry& entry, std::uint64_t offset, core::BufferPool& pool,
            const ChunkSink& sink) override;
  void write_stage_indicator() override;
  [[nodiscard]] std::string describe() const override;

private:
  /// Copies the collect directory once, on first use.
  LocalSource& fetched();
  core::CommandResult copy(const std::string& from, const std::string& to);
  [[nodiscard]] std::string remote_path(const std::string& name) const;

  CommandEndpoint m_endpoint;
  core::CommandRunner& m_runner;
  std::optional<core::TempDir> m_scratch; ///< made by open()
  std::unique_ptr<LocalSource> m_local;
};

/// `argv` as one POSIX shell string, every word single-quoted.
std::string shell_join(const std::vector<std::string>& argv);

} // namespace cback::peer
