#pragma once

// One peer's SFTP connection driven by an asio::io_context instead of a
// thread: the SSH handshake, the channel and every SFTP request run in
// libssh's non-blocking mode, and the coroutine waits for the socket's
// readiness, so one thread can drive any number of connections. SFTP
// itself is our own codec (peer/sftp_protocol.hpp): libssh's SFTP calls
// wait for their answers inside libssh and cannot be driven this way.
//
// Limits are checked while the connection waits on its server: a stop
// request ends the operation in progress with cback::Error(interrupted)
// within 100 ms, a handshake step has connect_timeout, and an operation
// that receives nothing for io_timeout fails the peer, naming it.
//
// Contract: the io_context is run by one thread (readiness is checked with
// poll() before each wait; see the .cpp); every operation is awaited to its
// end before the next starts.

#include <cback/peer/sftp_protocol.hpp>
#include <cback/peer/sftp_settings.hpp>
#include <cback/peer/source.hpp>
#include <cback/peer/ssh_session.hpp>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cback::peer {

/// Receives a file's bytes in order; the span is valid until the call
/// completes. Completes with false to abandon the transfer. While it runs
/// (writing, pacing) the connection takes nothing, and that time does not
/// count towards io_timeout.
using ByteSink = std::function<asio::awaitable<bool>(std::span<const std::byte> bytes)>;

class SftpConnection {
public:
  /// request_size is clamped to [1 KiB,
  /// 64 KiB], requests_in_flight to at least 1.
  SftpConnection(asio::io_context& context, SshEndpoint endpoint, SftpSettings settings);
  ~SftpConnection();
  SftpConnection(const SftpConnection&) = delete;
  SftpConnection& operator=(const SftpConnection&) = delete;

  /// Connects (host key verified, key authentication), opens the channel
  /// and starts SFTP version 3. Throws cback::Error naming the peer.
  asio::awaitable<void> open();
  /// The attributes of `path`, or nothing if it does not exist.
  asio::awaitable<std::optional<sftp::Attributes>> stat(std::string path);
  /// The entries of directory `path` without "." and ".."; more than
  /// k_listing_limit entries fail the peer.
  asio::awaitable<std::vector<SourceEntry>> list(std::string path);
  /// Sends bytes [offset, size) of file `path` to `sink`, with
  /// requests_in_flight requests of request_size outstanding. A file that
  /// ends before `size` fails the peer naming it. False if `sink`
  /// abandoned the transfer.
  asio::awaitable<bool> read(std::string path, std::uint64_t offset, std::uint64_t size,
                             ByteSink sink);
  /// The content of the small file `path` (at most k_small_file_limit
  /// bytes), or nothing if it does not exist.
  asio::awaitable<std::optional<std::string>> read_small(std::string path);
  /// Creates `path` empty (mode 0644), or truncates it.
  asio::awaitable<void> create_empty(std::string path);

  [[nodiscard]] const SshEndpoint& endpoint() const { return m_endpoint; }

private:
  struct Request;
  class ReadPipeline;

  void begin(std::string doing, std::string path);
  void watch_socket(int fd);
  asio::awaitable<void> wait_socket(ssh_session_struct* session);
  void check_limits() const;
  [[nodiscard]] bool ready_now(ssh_session_struct* session) const;
  void write_out();
  asio::awaitable<void> pump();
  asio::awaitable<sftp::Reply> receive();
  asio::awaitable<sftp::Reply> expect(std::uint32_t id);
  template <typename Step>
  asio::awaitable<void> until_done(const Step& step, std::string_view what);
  asio::awaitable<std::string> open_handle(std::uint32_t id);
  asio::awaitable<void> close_handle(const std::string& handle);
  std::uint32_t next_id() { return m_next_id++; }
  [[nodiscard]] Error failure(std::string_view what) const;
  [[nodiscard]] Error status_failure(const sftp::Status& status) const;

  asio::io_context& m_context;
  SshEndpoint m_endpoint;
  SftpSettings m_settings;
  // Destroyed in reverse order: asio's duplicate of the socket is closed
  // before the channel and the session that own the socket go.
  std::optional<SshHandshake> m_handshake;
  std::optional<SshSession> m_session;
  ChannelPtr m_channel;
  std::optional<asio::posix::stream_descriptor> m_socket;
  asio::steady_timer m_timer;
  sftp::Decoder m_decoder;
  std::string m_out; ///< requests libssh has not taken yet
  std::uint32_t m_next_id = 1;
  std::string m_doing; ///< the operation in progress, for messages
  std::string m_path;
  std::chrono::steady_clock::time_point m_quiet_since;
  std::size_t m_unyielded = 0; ///< bytes taken since the loop last ran others
};

} // namespace cback::peer
