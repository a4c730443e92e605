#include <cback/peer/ssh_session.hpp>

#include <cback/core/error.hpp>

#include <fmt/format.h>
#include <libssh/libssh.h>

#include <poll.h>
#include <pwd.h>
#include <unistd.h>

#include <array>
#include <utility>

namespace cback::peer {
namespace {

struct SessionFree {
  void operator()(ssh_session session) const {
    if (ssh_is_connected(session) != 0) {
      ssh_disconnect(session);
    }
    ssh_free(session);
  }
};
using SessionPtr = std::unique_ptr<ssh_session_struct, SessionFree>;

struct KeyFree {
  void operator()(ssh_key key) const { ssh_key_free(key); }
};
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyFree>;

std::string address(const SshEndpoint& endpoint) {
  return fmt::format("{}:{}", endpoint.host, endpoint.port);
}

Error failure(const SshEndpoint& endpoint, std::string_view what) {
  return Error(ExitCode::action, fmt::format("Peer [{}]: {}", endpoint.peer_name, what));
}

// Options come in this order so that precedence is: the endpoint's explicit
// values, then ~/.ssh/config (and /etc/ssh/ssh_config), then libssh's
// defaults. libssh applies the config files once, at the first
// ssh_options_parse_config (or at connect if never called), and a value set
// afterwards overrides them. Port 22 and compression off are the defaults
// and so leave the config files' Port and Compression in force.
void configure(ssh_session session, const SshEndpoint& endpoint) {
  const auto set = [&](ssh_options_e option, const void* value, std::string_view name) {
    if (ssh_options_set(session, option, value) != SSH_OK) {
      throw failure(endpoint,
                    fmt::format("cannot set the SSH option {}: {}", name, ssh_get_error(session)));
    }
  };
  set(SSH_OPTIONS_HOST, endpoint.host.c_str(), "host");
  if (endpoint.ssh_dir) {
    set(SSH_OPTIONS_SSH_DIR, endpoint.ssh_dir->c_str(), "ssh_dir");
  }
  if (ssh_options_parse_config(session, nullptr) != SSH_OK) {
    throw failure(endpoint, fmt::format("cannot read the SSH configuration (~/.ssh/config): {}",
                                        ssh_get_error(session)));
  }
  if (endpoint.port != 22) {
    const unsigned int port = static_cast<unsigned int>(endpoint.port);
    set(SSH_OPTIONS_PORT, &port, "port");
  }
  if (!endpoint.user.empty()) {
    set(SSH_OPTIONS_USER, endpoint.user.c_str(), "user");
  }
  if (endpoint.known_hosts_file) {
    set(SSH_OPTIONS_KNOWNHOSTS, endpoint.known_hosts_file->c_str(), "known_hosts_file");
  }
  if (endpoint.compression) {
    set(SSH_OPTIONS_COMPRESSION, "yes", "compression");
  }
}

/// "SHA256:..." of the server's host key, as ssh-keygen -l prints it.
std::string server_fingerprint(ssh_session session) {
  ssh_key raw = nullptr;
  if (ssh_get_server_publickey(session, &raw) != SSH_OK) {
    return "(no host key)";
  }
  const KeyPtr key(raw);
  unsigned char* hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(key.get(), SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK) {
    return "(unknown fingerprint)";
  }
  char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
  ssh_clean_pubkey_hash(&hash);
  std::string fingerprint = text != nullptr ? text : "(unknown fingerprint)";
  ssh_string_free_char(text);
  return fingerprint;
}

/// The known_hosts file libssh checks (after %d and ~ expansion).
std::string known_hosts_path(ssh_session session) {
  char* path = nullptr;
  if (ssh_options_get(session, SSH_OPTIONS_KNOWNHOSTS, &path) != SSH_OK || path == nullptr) {
    return "known_hosts";
  }
  std::string result = path;
  ssh_string_free_char(path);
  return result;
}

void accept_new_key(ssh_session session, const SshEndpoint& endpoint, const std::string& file) {
  if (ssh_session_update_known_hosts(session) != SSH_OK) {
    throw failure(endpoint, fmt::format("cannot add the host key of {} to {}: {}",
                                        address(endpoint), file, ssh_get_error(session)));
  }
}

// Unknown keys fail unless accept-new was asked for; a changed key (or a
// key of another type where one is known) always fails, loudly: it is what
// a man-in-the-middle looks like.
void verify_host_key(ssh_session session, const SshEndpoint& endpoint) {
  const std::string file = known_hosts_path(session);
  switch (ssh_session_is_known_server(session)) {
  case SSH_KNOWN_HOSTS_OK:
    return;
  case SSH_KNOWN_HOSTS_NOT_FOUND:
  case SSH_KNOWN_HOSTS_UNKNOWN:
    if (endpoint.accept_new_host_key) {
      return accept_new_key(session, endpoint, file);
    }
    throw failure(endpoint,
                  fmt::format("the host key of {} is unknown: {} has no entry for it. Check its "
                              "fingerprint {} and add it (e.g. ssh-keyscan -p {} {} >> {}), or "
                              "allow new host keys to be accepted.",
                              address(endpoint), file, server_fingerprint(session), endpoint.port,
                              endpoint.host, file));
  case SSH_KNOWN_HOSTS_CHANGED:
  case SSH_KNOWN_HOSTS_OTHER:
    throw failure(endpoint,
                  fmt::format("WARNING: THE HOST KEY OF {} HAS CHANGED! The server presents {}, "
                              "which does not match the key recorded in {}. Someone could be "
                              "intercepting the connection; refusing to connect. If the change is "
                              "expected, remove the old key from {}.",
                              address(endpoint), server_fingerprint(session), file, file));
  case SSH_KNOWN_HOSTS_ERROR:
    break;
  }
  throw failure(endpoint, fmt::format("cannot check the host key of {} against {}: {}",
                                      address(endpoint), file, ssh_get_error(session)));
}

// Key authentication only: the configured identity file alone, or else
// libssh's automatic choice (agent, then the default keys and any
// IdentityFile of ~/.ssh/config). Passwords are never tried.
KeyPtr load_identity(const SshEndpoint& endpoint) {
  if (!endpoint.identity_file) {
    return nullptr;
  }
  ssh_key raw = nullptr;
  if (ssh_pki_import_privkey_file(endpoint.identity_file->c_str(), nullptr, nullptr, nullptr,
                                  &raw) != SSH_OK) {
    throw failure(endpoint, fmt::format("cannot read the SSH key {} (missing, unreadable or "
                                        "protected by a passphrase).",
                                        *endpoint.identity_file));
  }
  return KeyPtr(raw);
}

std::string keys_tried(const SshEndpoint& endpoint) {
  return endpoint.identity_file ? "the key " + *endpoint.identity_file
                                : std::string("the default keys (agent, ~/.ssh/id_*)");
}

/// Throws the error for an authentication that ended in `result` (not
/// success, not again).
[[noreturn]] void authentication_failed(ssh_session session, const SshEndpoint& endpoint,
                                        int result) {
  if (result == SSH_AUTH_ERROR) {
    throw failure(endpoint, fmt::format("authentication with {} failed: {}", address(endpoint),
                                        ssh_get_error(session)));
  }
  char* user = nullptr;
  ssh_options_get(session, SSH_OPTIONS_USER, &user);
  const std::string user_name = user != nullptr ? user : "?";
  ssh_string_free_char(user);
  throw failure(endpoint, fmt::format("{} refused {} for user {}.", address(endpoint),
                                      keys_tried(endpoint), user_name));
}

/// Splits a byte stream into lines for a LineSink; a last line without a
/// newline is delivered by finish().
class LineSplitter {
public:
  LineSplitter(const LineSink& sink, bool from_stderr) : m_sink(sink), m_stderr(from_stderr) {}

  void feed(std::string_view data) {
    m_pending.append(data);
    std::size_t start = 0;
    for (auto end = m_pending.find('\n'); end != std::string::npos;
         end = m_pending.find('\n', start)) {
      m_sink(std::string_view(m_pending).substr(start, end - start), m_stderr);
      start = end + 1;
    }
    m_pending.erase(0, start);
  }

  void finish() {
    if (!m_pending.empty()) {
      m_sink(m_pending, m_stderr);
      m_pending.clear();
    }
  }

private:
  const LineSink& m_sink;
  bool m_stderr;
  std::string m_pending;
};

// The original ran scp and ssh as the backup user (su backup_user -c ...):
// when cback runs as root, that user's ~/.ssh holds the keys, known_hosts
// and config that apply.
struct Account {
  uid_t uid = 0;
  std::string home;
};

std::optional<Account> account(const char* user, uid_t uid) {
  passwd entry{};
  passwd* found = nullptr;
  std::array<char, 4096> buffer{};
  const int result = user != nullptr
                         ? getpwnam_r(user, &entry, buffer.data(), buffer.size(), &found)
                         : getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
  if (result != 0 || found == nullptr || found->pw_dir == nullptr) {
    return std::nullopt;
  }
  return Account{found->pw_uid, found->pw_dir};
}

/// The home whose ~/.ssh applies: the backup user's when running as root
/// with another backup user, else nullopt (the running user's, libssh's
/// default).
std::optional<std::string> backup_user_home(const config::Options& options) {
  if (geteuid() != 0 || !options.backup_user) {
    return std::nullopt;
  }
  const auto backup = account(options.backup_user->c_str(), 0);
  if (!backup || backup->uid == geteuid()) {
    return std::nullopt;
  }
  return backup->home;
}

/// `~/x` made absolute against `home` (or the running user's home): libssh
/// does not expand a tilde in a key file name.
std::optional<std::string> expand_home(const std::optional<std::string>& path,
                                       const std::optional<std::string>& home) {
  if (!path || !path->starts_with("~/")) {
    return path;
  }
  const auto own = home ? std::nullopt : account(nullptr, geteuid());
  const std::string base = home ? *home : own ? own->home : std::string();
  return base.empty() ? path : std::optional<std::string>(base + path->substr(1));
}

} // namespace

void ChannelFree::operator()(ssh_channel channel) const noexcept {
  if (ssh_channel_is_open(channel) != 0) {
    ssh_channel_close(channel);
  }
  ssh_channel_free(channel);
}

std::string describe_peer(const SshEndpoint& endpoint, std::string_view collect_dir) {
  return fmt::format("peer [{}] ({}@{}:{})", endpoint.peer_name, endpoint.user, endpoint.host,
                     collect_dir);
}

SshEndpoint endpoint_for(const config::Config& config, const config::Peer& peer) {
  const config::Options no_options;
  const auto& options = config.options ? *config.options : no_options;
  SshEndpoint endpoint;
  endpoint.peer_name = peer.name;
  endpoint.host = peer.host.value_or(peer.name);
  endpoint.port = peer.port.value_or(22);
  endpoint.user = peer.backup_user.value_or(options.backup_user.value_or(""));
  const auto home = backup_user_home(options);
  if (home) {
    endpoint.ssh_dir = *home + "/.ssh";
  }
  endpoint.identity_file =
      expand_home(peer.identity_file ? peer.identity_file : options.identity_file, home);
  endpoint.known_hosts_file =
      expand_home(peer.known_hosts_file ? peer.known_hosts_file : options.known_hosts_file, home);
  return endpoint;
}

struct SshSession::State {
  SshEndpoint endpoint;
  SessionPtr session;
};

SshSession::SshSession(std::unique_ptr<State> state) : m_state(std::move(state)) {}
SshSession::SshSession(SshSession&&) noexcept = default;
SshSession& SshSession::operator=(SshSession&&) noexcept = default;
SshSession::~SshSession() = default;

struct SshHandshake::State {
  enum class Step { connecting, authenticating, done };

  SshEndpoint endpoint;
  SessionPtr session;
  Step step = Step::connecting;
  std::chrono::steady_clock::time_point step_started = std::chrono::steady_clock::now();
  KeyPtr key;

  void start_authenticating() {
    verify_host_key(session.get(), endpoint);
    key = load_identity(endpoint);
    step = Step::authenticating;
    step_started = std::chrono::steady_clock::now();
  }

  int authenticate() const {
    return key ? ssh_userauth_publickey(session.get(), nullptr, key.get())
               : ssh_userauth_publickey_auto(session.get(), nullptr, nullptr);
  }
};

SshHandshake::SshHandshake(const SshEndpoint& endpoint) : m_state(std::make_unique<State>()) {
  m_state->endpoint = endpoint;
  m_state->session.reset(ssh_new());
  if (!m_state->session) {
    throw failure(endpoint, "cannot create an SSH session (out of memory).");
  }
  configure(m_state->session.get(), endpoint);
  ssh_set_blocking(m_state->session.get(), 0);
}

SshHandshake::SshHandshake(SshHandshake&&) noexcept = default;
SshHandshake& SshHandshake::operator=(SshHandshake&&) noexcept = default;
SshHandshake::~SshHandshake() = default;

bool SshHandshake::advance() {
  auto& state = *m_state;
  if (state.step == State::Step::connecting) {
    const int result = ssh_connect(state.session.get());
    if (result == SSH_AGAIN) {
      return false;
    }
    if (result != SSH_OK) {
      throw failure(state.endpoint,
                    fmt::format("{}: {}", step(), ssh_get_error(state.session.get())));
    }
    state.start_authenticating();
  }
  if (state.step == State::Step::authenticating) {
    const int result = state.authenticate();
    if (result == SSH_AUTH_AGAIN) {
      return false;
    }
    if (result != SSH_AUTH_SUCCESS) {
      authentication_failed(state.session.get(), state.endpoint, result);
    }
    state.key.reset();
    state.step = State::Step::done;
  }
  return true;
}

std::string SshHandshake::step() const {
  return m_state->step == State::Step::connecting
             ? fmt::format("cannot connect to {}", address(m_state->endpoint))
             : "authenticating with " + keys_tried(m_state->endpoint);
}

bool SshHandshake::timed_out(std::chrono::steady_clock::time_point now) const {
  return now - m_state->step_started >= m_state->endpoint.connect_timeout;
}

Error SshHandshake::timeout_error() const {
  return failure(m_state->endpoint, fmt::format("{}: timed out after {} s (connect_timeout).",
                                                step(), m_state->endpoint.connect_timeout.count()));
}

ssh_session_struct* SshHandshake::native() const {
  return m_state->session.get();
}

SshSession SshHandshake::finish() && {
  return SshSession(std::make_unique<SshSession::State>(
      SshSession::State{std::move(m_state->endpoint), std::move(m_state->session)}));
}

namespace {

// Waits until the socket is ready in the direction libssh waits for, or
// 100 ms have passed. Before the socket exists (name lookup) there is
// nothing to wait on.
void wait_for_socket(ssh_session session) {
  constexpr int k_slice_ms = 100;
  pollfd entry{ssh_get_fd(session), POLLIN, 0};
  if ((ssh_get_poll_flags(session) & SSH_WRITE_PENDING) != 0) {
    entry.events |= POLLOUT;
  }
  if (entry.fd < 0) {
    ::poll(nullptr, 0, k_slice_ms);
    return;
  }
  ::poll(&entry, 1, k_slice_ms);
}

} // namespace

// The handshake is driven here by a thread that waits on the socket in
// slices of 100 ms, so a stop request and connect_timeout end an attempt
// at once whatever the server does. In blocking mode libssh waits in its
// own poll() for the whole timeout, where a stop request cannot reach it.
SshSession SshSession::connect(const SshEndpoint& endpoint, const core::StopFlag* stop) {
  SshHandshake handshake(endpoint);
  while (!handshake.advance()) {
    if (stop != nullptr) {
      stop->check();
    }
    if (handshake.timed_out(std::chrono::steady_clock::now())) {
      throw handshake.timeout_error();
    }
    wait_for_socket(handshake.native());
  }
  auto session = std::move(handshake).finish();
  ssh_set_blocking(session.native(), 1);
  // From now on a blocking libssh call that sees no progress for this long
  // fails (channel opening, SFTP requests).
  const long io_timeout = static_cast<long>(endpoint.io_timeout.count());
  ssh_options_set(session.native(), SSH_OPTIONS_TIMEOUT, &io_timeout);
  return session;
}

ssh_session_struct* SshSession::native() const {
  return m_state->session.get();
}

const SshEndpoint& SshSession::endpoint() const {
  return m_state->endpoint;
}

int SshSession::exec(const std::string& command, const LineSink& sink) {
  const core::StopFlag never;
  return exec(command, sink, never);
}

namespace {

ChannelPtr open_exec(ssh_session session, const SshEndpoint& endpoint, const std::string& command) {
  ChannelPtr channel(ssh_channel_new(session));
  if (!channel || ssh_channel_open_session(channel.get()) != SSH_OK) {
    throw failure(endpoint, fmt::format("cannot open a channel to {}: {}", address(endpoint),
                                        ssh_get_error(session)));
  }
  if (ssh_channel_request_exec(channel.get(), command.c_str()) != SSH_OK) {
    throw failure(endpoint, fmt::format("cannot run [{}] on {}: {}", command, address(endpoint),
                                        ssh_get_error(session)));
  }
  return channel;
}

/// Reads what has arrived on both streams without waiting; returns the
/// number of bytes read.
std::size_t drain(ssh_channel channel, LineSplitter& out, LineSplitter& err) {
  std::array<char, 32 * 1024> buffer{};
  std::size_t total = 0;
  for (const int is_stderr : {0, 1}) {
    for (;;) {
      const int got = ssh_channel_read_nonblocking(channel, buffer.data(),
                                                   static_cast<uint32_t>(buffer.size()), is_stderr);
      if (got <= 0) {
        break; // nothing yet, EOF (SSH_EOF) or an error seen by the caller's poll
      }
      (is_stderr != 0 ? err : out).feed(std::string_view(buffer.data(), static_cast<size_t>(got)));
      total += static_cast<std::size_t>(got);
    }
  }
  return total;
}

} // namespace

// The loop waits on stdout in short slices so that stderr, a stop request
// and the keep-alive are looked at a few times a second; a remote command
// (a managed collect) may rightly print nothing for hours.
int SshSession::exec(const std::string& command, const LineSink& sink, const core::StopFlag& stop) {
  const auto& endpoint = m_state->endpoint;
  ssh_session session = m_state->session.get();
  const ChannelPtr channel = open_exec(session, endpoint, command);
  LineSplitter out(sink, false);
  LineSplitter err(sink, true);
  auto last_activity = std::chrono::steady_clock::now();
  for (;;) {
    if (stop.requested()) {
      // sshd forwards the signal to sessions of non-root users only.
      ssh_channel_request_send_signal(channel.get(), "TERM");
      stop.check();
    }
    if (drain(channel.get(), out, err) > 0) {
      last_activity = std::chrono::steady_clock::now();
      continue;
    }
    if (ssh_channel_is_eof(channel.get()) != 0 || ssh_channel_is_closed(channel.get()) != 0) {
      break;
    }
    if (ssh_channel_poll_timeout(channel.get(), 250, 0) == SSH_ERROR) {
      throw failure(endpoint, fmt::format("the connection to {} failed while running [{}]: {}",
                                          address(endpoint), command, ssh_get_error(session)));
    }
    if (std::chrono::steady_clock::now() - last_activity > endpoint.io_timeout) {
      if (ssh_send_ignore(session, "keep-alive") != SSH_OK) {
        throw failure(endpoint, fmt::format("the connection to {} was lost while running [{}]: {}",
                                            address(endpoint), command, ssh_get_error(session)));
      }
      last_activity = std::chrono::steady_clock::now();
    }
  }
  out.finish();
  err.finish();
  return ssh_channel_get_exit_status(channel.get());
}

} // namespace cback::peer
