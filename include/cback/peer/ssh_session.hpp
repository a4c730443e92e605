#pragma once

// One authenticated SSH connection to a remote peer (libssh). Shared by the
// stage action (SFTP, peer/sftp_*) and by managed clients (exec channels).
// Host keys are always verified against a known_hosts file; authentication
// is by key only, never by password.

#include <cback/config/model.hpp>
#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct ssh_session_struct; // libssh's ssh_session
struct ssh_channel_struct; // libssh's ssh_channel

namespace cback::peer {

/// Where and how to reach a remote peer. Built from the configuration by
/// endpoint_for(); tests fill it directly.
struct SshEndpoint {
  std::string peer_name;                       ///< for messages: "Peer [name]: ..."
  std::string host;                            ///< default: the peer's name
  int port = 22;                               ///< default 22
  std::string user;                            ///< the peer's backup_user (or options')
  std::optional<std::string> identity_file;    ///< default: ~/.ssh/id_* of the running user
  std::optional<std::string> known_hosts_file; ///< default: ~/.ssh/known_hosts
  bool accept_new_host_key = false;            ///< add an unknown key instead of failing
  bool compression = false;                    ///< SSH compression (slow links)
  std::chrono::seconds connect_timeout{30};
  std::chrono::seconds io_timeout{120}; ///< no progress for this long = failure
  /// The ~/.ssh directory whose config, default keys and known_hosts apply
  /// (the backup user's when cback runs as root); unset = the running user's.
  std::optional<std::string> ssh_dir;
};

/// The endpoint of `peer`: its fields, then the <options> defaults, then the
/// backup user's ~/.ssh/config (libssh reads it), then the built-in defaults.
SshEndpoint endpoint_for(const config::Config& config, const config::Peer& peer);

/// "peer [name] (user@host:collect_dir)", how messages name a remote peer.
std::string describe_peer(const SshEndpoint& endpoint, std::string_view collect_dir);

/// Closes (if open) and frees a libssh channel.
struct ChannelFree {
  void operator()(ssh_channel_struct* channel) const noexcept;
};
/// One channel of an SshSession (exec, SFTP); freed before its session.
using ChannelPtr = std::unique_ptr<ssh_channel_struct, ChannelFree>;

/// Output of a remote command, line by line, as it arrives.
using LineSink = std::function<void(std::string_view line, bool from_stderr)>;

class SshSession {
public:
  /// Connects, verifies the host key and authenticates with the key.
  /// Throws cback::Error (ExitCode::action) naming the peer and the cause:
  /// unreachable host, timeout, unknown host key, CHANGED host key,
  /// key refused. Connecting and authenticating are each bounded by
  /// connect_timeout; once `stop` (may be null) is requested, either ends
  /// within 100 ms with cback::Error(ExitCode::interrupted).
  static SshSession connect(const SshEndpoint& endpoint, const core::StopFlag* stop = nullptr);

  SshSession(SshSession&&) noexcept;
  SshSession& operator=(SshSession&&) noexcept;
  ~SshSession();

  /// Runs `command` in an exec channel, feeding its stdout/stderr lines to
  /// `sink`; returns the remote exit status. Throws cback::Error when the
  /// connection fails.
  int exec(const std::string& command, const LineSink& sink);

  /// As exec() above; when `stop` is requested the channel is closed and
  /// cback::Error(ExitCode::interrupted) is thrown. A silent command may
  /// run for any time: each io_timeout of silence a keep-alive probe is
  /// sent, and a connection that cannot take it is an error. A command
  /// killed by a signal returns -1.
  int exec(const std::string& command, const LineSink& sink, const core::StopFlag& stop);

  /// The underlying libssh session (for SFTP). Owned by this object.
  ssh_session_struct* native() const;

  const SshEndpoint& endpoint() const;

private:
  friend class SshHandshake;
  struct State;
  explicit SshSession(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

/// The steps of connecting (TCP connect, key exchange, host key check, key
/// authentication) in libssh's non-blocking mode, for a caller to drive:
/// SshSession::connect waits on the socket from a thread, an event loop
/// (peer/sftp_connection.hpp) waits for the socket's readiness with many
/// handshakes at once. Each step may take connect_timeout.
class SshHandshake {
public:
  /// Creates the session with the endpoint's options. Throws cback::Error.
  explicit SshHandshake(const SshEndpoint& endpoint);
  SshHandshake(SshHandshake&&) noexcept;
  SshHandshake& operator=(SshHandshake&&) noexcept;
  ~SshHandshake();

  /// Takes the handshake as far as it goes without waiting: true once
  /// authenticated; false while libssh waits for the server (the socket,
  /// once ssh_get_fd gives one, in the direction ssh_get_poll_flags says).
  /// Throws cback::Error(ExitCode::action) as SshSession::connect does.
  bool advance();
  /// Whether the step in progress began connect_timeout or more before `now`.
  [[nodiscard]] bool timed_out(std::chrono::steady_clock::time_point now) const;
  /// The error naming the peer and the step that timed out.
  [[nodiscard]] Error timeout_error() const;
  [[nodiscard]] ssh_session_struct* native() const;
  /// The authenticated session, still in non-blocking mode. Contract:
  /// advance() returned true.
  [[nodiscard]] SshSession finish() &&;

private:
  [[nodiscard]] std::string step() const;
  struct State;
  std::unique_ptr<State> m_state;
};

} // namespace cback::peer
