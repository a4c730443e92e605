#pragma once

// A remote peer reached over SSH: its collect directory is listed and read
// with SFTP (libssh), many read requests in flight per file, and
// cback.stage is written back the same way.

#include <cback/peer/source.hpp>
#include <cback/peer/ssh_session.hpp>
#include <cback/peer/watchdog.hpp>

#include <chrono>

#include <memory>
#include <optional>
#include <string>

struct sftp_session_struct;

namespace cback::peer {

/// How files are read. Requests above 64 KiB lose data with libssh 0.10
/// against OpenSSH (the server caps a read and libssh skips the gap), so
/// request_size is at most 65536.
struct SftpSettings {
  std::size_t request_size = 65536;
  unsigned requests_in_flight = 32;
  /// A network call that makes no progress for this long fails the peer
  /// (the connection is shut down; see peer/watchdog.hpp).
  std::chrono::milliseconds io_timeout{std::chrono::seconds(120)};
  /// A stop request shuts the connection down at once; may be null.
  const core::StopFlag* stop = nullptr;
};

class SftpSource final : public PeerSource {
public:
  SftpSource(SshEndpoint endpoint, std::string collect_dir, SftpSettings settings);
  ~SftpSource() override;

  /// Connects (host key verified, key authentication) and starts SFTP.
  void open() override;
  bool collect_indicator_present() override;
  std::vector<SourceEntry> list() override;
  std::optional<std::string> read_small(const std::string& name) override;
  bool pull(const SourceEntry& entry, std::uint64_t offset, core::BufferPool& pool,
            const ChunkSink& sink) override;
  void write_stage_indicator() override;
  [[nodiscard]] std::string describe() const override;

private:
  struct SftpDeleter {
    void operator()(sftp_session_struct* sftp) const noexcept;
  };

  [[nodiscard]] std::string path_of(const std::string& name) const;
  [[noreturn]] void fail(const std::string& what, const std::string& path) const;
  [[nodiscard]] Watchdog::Section watched() { return m_watchdog->section(); }

  SshEndpoint m_endpoint;
  std::string m_collect_dir;
  SftpSettings m_settings;
  // Destroyed in reverse order: SFTP first, the watchdog before the
  // session closes the socket it watches.
  std::optional<SshSession> m_session;
  std::unique_ptr<Watchdog> m_watchdog;
  std::unique_ptr<sftp_session_struct, SftpDeleter> m_sftp;
};

} // namespace cback::peer
