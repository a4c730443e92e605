#include <cback/peer/sftp_connection.hpp>

#include <cback/core/error.hpp>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <libssh/libssh.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <type_traits>
#include <variant>

namespace cback::peer {
namespace {

using Clock = std::chrono::steady_clock;

// How often a waiting connection looks at the stop flag and its limits.
constexpr auto k_slice = std::chrono::milliseconds(100);
// The most bytes taken from the channel per read.
constexpr std::size_t k_read_size = 64 * 1024;
// The most bytes a connection takes before it lets the others run.
constexpr std::size_t k_yield_after = 1024 * 1024;

std::uint32_t id_of(const sftp::Reply& reply) {
  return std::visit(
      [](const auto& answer) -> std::uint32_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(answer)>, sftp::Version>) {
          return 0;
        } else {
          return answer.id;
        }
      },
      reply);
}

} // namespace

SftpConnection::SftpConnection(asio::io_context& context, SshEndpoint endpoint,
                               SftpSettings settings)
    : m_context(context), m_endpoint(std::move(endpoint)), m_settings(settings), m_timer(context) {
  m_settings.request_size = std::clamp<std::size_t>(m_settings.request_size, 1024, 65536);
  m_settings.requests_in_flight = std::max(1U, m_settings.requests_in_flight);
}

SftpConnection::~SftpConnection() = default;

// asio watches a duplicate of libssh's socket, never libssh's own fd:
// libssh closes its fd when a connection fails, and its number may then be
// given to another peer's socket while asio still has it registered, so
// forgetting it later would unregister that other socket. The duplicate
// stays open (and registered) until this connection goes, and is closed
// before the session that closes the socket itself.
void SftpConnection::watch_socket(int fd) {
  const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) {
    throw failure(fmt::format("cannot watch the connection's socket: {}", std::strerror(errno)));
  }
  m_socket.emplace(m_context, own);
}

void SftpConnection::begin(std::string doing, std::string path) {
  m_doing = std::move(doing);
  m_path = std::move(path);
  m_quiet_since = Clock::now();
}

Error SftpConnection::failure(std::string_view what) const {
  return Error(ExitCode::action,
               fmt::format("Peer [{}]: {} [{}]: {}", m_endpoint.peer_name, m_doing, m_path, what));
}

Error SftpConnection::status_failure(const sftp::Status& status) const {
  return failure(fmt::format("{} (SFTP status {})",
                             status.message.empty() ? "refused" : status.message, status.code));
}

void SftpConnection::check_limits() const {
  if (m_settings.stop != nullptr) {
    m_settings.stop->check();
  }
  const auto now = Clock::now();
  if (m_handshake) {
    if (m_handshake->timed_out(now)) {
      throw m_handshake->timeout_error();
    }
  } else if (now - m_quiet_since >= m_settings.io_timeout) {
    throw failure(fmt::format("no answer for {:g} s (io_timeout)",
                              std::chrono::duration<double>(m_settings.io_timeout).count()));
  }
}

// asio watches a descriptor edge-triggered, and libssh reads at most 4 KiB
// of the socket per call: bytes may be left in the socket that no new edge
// will announce. So the socket is asked with poll() first, and the loop
// waits only when it holds nothing. Between that poll and the wait's
// registration the one thread running the context does nothing else, so an
// edge in between is still delivered.
bool SftpConnection::ready_now(ssh_session_struct* session) const {
  pollfd entry{ssh_get_fd(session), POLLIN, 0};
  if ((ssh_get_poll_flags(session) & SSH_WRITE_PENDING) != 0) {
    entry.events |= POLLOUT;
  }
  return entry.fd >= 0 && ::poll(&entry, 1, 0) > 0;
}

// Waits until the socket is readable (or writable, while libssh holds
// output), or k_slice has passed; throws once a limit is reached.
asio::awaitable<void> SftpConnection::wait_socket(ssh_session_struct* session) {
  using namespace asio::experimental::awaitable_operators;
  check_limits();
  if (ready_now(session)) {
    co_return;
  }
  m_unyielded = 0;
  m_timer.expires_after(k_slice);
  const int fd = ssh_get_fd(session);
  if (fd < 0) { // no socket yet (name lookup)
    co_await m_timer.async_wait(asio::use_awaitable);
    co_return;
  }
  if (!m_socket) {
    watch_socket(fd);
  }
  if ((ssh_get_poll_flags(session) & SSH_WRITE_PENDING) != 0) {
    co_await (m_socket->async_wait(asio::posix::descriptor_base::wait_read, asio::use_awaitable) ||
              m_socket->async_wait(asio::posix::descriptor_base::wait_write, asio::use_awaitable) ||
              m_timer.async_wait(asio::use_awaitable));
  } else {
    co_await (m_socket->async_wait(asio::posix::descriptor_base::wait_read, asio::use_awaitable) ||
              m_timer.async_wait(asio::use_awaitable));
  }
}

template <typename Step>
asio::awaitable<void> SftpConnection::until_done(const Step& step, std::string_view what) {
  for (;;) {
    const int result = step();
    if (result == SSH_OK) {
      co_return;
    }
    if (result != SSH_AGAIN) {
      throw failure(fmt::format("{}: {}", what, ssh_get_error(m_session->native())));
    }
    co_await wait_socket(m_session->native());
  }
}

asio::awaitable<void> SftpConnection::open() {
  begin("connecting", m_endpoint.host);
  m_handshake.emplace(m_endpoint);
  while (!m_handshake->advance()) {
    co_await wait_socket(m_handshake->native());
  }
  m_session.emplace(std::move(*m_handshake).finish());
  m_handshake.reset();
  // Read requests are small packets sent while answers stream in: with
  // Nagle's algorithm each would wait for the server's delayed ACK.
  const int one = 1;
  ::setsockopt(ssh_get_fd(m_session->native()), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  begin("starting SFTP", m_endpoint.host);
  m_channel.reset(ssh_channel_new(m_session->native()));
  if (!m_channel) {
    throw failure("cannot create a channel (out of memory)");
  }
  co_await until_done([&] { return ssh_channel_open_session(m_channel.get()); },
                      "cannot open a channel");
  co_await until_done([&] { return ssh_channel_request_subsystem(m_channel.get(), "sftp"); },
                      "the server has no SFTP subsystem");
  sftp::encode_init(m_out);
  const auto reply = co_await receive();
  const auto* version = std::get_if<sftp::Version>(&reply);
  if (version == nullptr) {
    throw failure("the server did not answer INIT with VERSION");
  }
  if (version->version != sftp::k_version) {
    throw failure(fmt::format("the server speaks SFTP version {}; cback speaks version {}",
                              version->version, sftp::k_version));
  }
}

// libssh takes what the channel's window allows; the rest waits for the
// next round.
void SftpConnection::write_out() {
  while (!m_out.empty()) {
    const int written =
        ssh_channel_write(m_channel.get(), m_out.data(), static_cast<std::uint32_t>(m_out.size()));
    if (written < 0) {
      throw failure(fmt::format("sending failed: {}", ssh_get_error(m_session->native())));
    }
    if (written == 0) {
      return;
    }
    m_out.erase(0, static_cast<std::size_t>(written));
  }
}

// One round: hand libssh the pending requests, take what the channel holds,
// and wait on the socket only when nothing came.
asio::awaitable<void> SftpConnection::pump() {
  write_out();
  const auto room = m_decoder.prepare(k_read_size);
  const int got = ssh_channel_read_nonblocking(m_channel.get(), room.data(),
                                               static_cast<std::uint32_t>(room.size()), 0);
  if (got > 0) {
    m_decoder.commit(static_cast<std::size_t>(got));
    m_quiet_since = Clock::now();
    m_unyielded += static_cast<std::size_t>(got);
    if (m_unyielded >= k_yield_after) {
      // A connection whose data keeps coming never waits: it lets the
      // others (and their timers) run every k_yield_after bytes.
      m_unyielded = 0;
      co_await asio::post(m_context, asio::use_awaitable);
    }
    co_return;
  }
  if (got == SSH_EOF || ssh_channel_is_closed(m_channel.get()) != 0) {
    throw failure("the server closed the SFTP channel");
  }
  if (got < 0) {
    throw failure(fmt::format("the connection failed: {}", ssh_get_error(m_session->native())));
  }
  // sftp-server's stderr is not ours to show, but left unread it would
  // hold the channel's window.
  std::array<std::byte, 4096> scratch{};
  while (ssh_channel_read_nonblocking(m_channel.get(), scratch.data(),
                                      static_cast<std::uint32_t>(scratch.size()), 1) > 0) {
  }
  // Reading stderr may have taken more of the socket into the channel.
  if (ssh_channel_poll(m_channel.get(), 0) != 0) {
    co_return;
  }
  co_await wait_socket(m_session->native());
}

asio::awaitable<sftp::Reply> SftpConnection::receive() {
  for (;;) {
    try {
      if (auto reply = m_decoder.next()) {
        co_return std::move(*reply);
      }
    } catch (const sftp::ProtocolError& error) {
      throw failure(fmt::format("the server broke the SFTP protocol: {}", error.what()));
    }
    co_await pump();
  }
}

// One request at a time outside a read: the answer must be to it.
asio::awaitable<sftp::Reply> SftpConnection::expect(std::uint32_t id) {
  auto reply = co_await receive();
  if (id_of(reply) != id || std::holds_alternative<sftp::Version>(reply)) {
    throw failure(fmt::format("the server answered request {} while request {} was pending",
                              id_of(reply), id));
  }
  co_return reply;
}

asio::awaitable<std::string> SftpConnection::open_handle(std::uint32_t id) {
  auto reply = co_await expect(id);
  if (auto* handle = std::get_if<sftp::Handle>(&reply)) {
    co_return std::move(handle->handle);
  }
  if (const auto* status = std::get_if<sftp::Status>(&reply)) {
    throw status_failure(*status);
  }
  throw failure("the server answered with neither a handle nor a status");
}

asio::awaitable<void> SftpConnection::close_handle(const std::string& handle) {
  const auto id = next_id();
  sftp::encode_close(m_out, id, handle);
  const auto reply = co_await expect(id);
  const auto* status = std::get_if<sftp::Status>(&reply);
  if (status == nullptr || !status->is(sftp::StatusCode::ok)) {
    throw status != nullptr ? status_failure(*status)
                            : failure("the server answered CLOSE with neither status");
  }
}

asio::awaitable<std::optional<sftp::Attributes>> SftpConnection::stat(std::string path) {
  begin("unable to look for", path);
  const auto id = next_id();
  sftp::encode_stat(m_out, id, path);
  const auto reply = co_await expect(id);
  if (const auto* attrs = std::get_if<sftp::Attrs>(&reply)) {
    co_return attrs->attributes;
  }
  const auto* status = std::get_if<sftp::Status>(&reply);
  if (status != nullptr && status->is(sftp::StatusCode::no_such_file)) {
    co_return std::nullopt;
  }
  throw status != nullptr ? status_failure(*status)
                          : failure("the server answered STAT with neither attributes nor status");
}

asio::awaitable<std::vector<SourceEntry>> SftpConnection::list(std::string path) {
  begin("unable to list collect directory", path);
  const auto open_id = next_id();
  sftp::encode_opendir(m_out, open_id, path);
  const auto handle = co_await open_handle(open_id);
  std::vector<SourceEntry> entries;
  for (;;) {
    const auto id = next_id();
    sftp::encode_readdir(m_out, id, handle);
    auto reply = co_await expect(id);
    if (const auto* status = std::get_if<sftp::Status>(&reply)) {
      if (!status->is(sftp::StatusCode::eof)) {
        throw status_failure(*status);
      }
      break;
    }
    auto* names = std::get_if<sftp::Name>(&reply);
    if (names == nullptr) {
      throw failure("the server answered READDIR with neither names nor status");
    }
    for (auto& listed : names->entries) {
      if (listed.name == "." || listed.name == "..") {
        continue;
      }
      if (entries.size() == k_listing_limit) {
        throw failure(fmt::format("the collect directory lists more than {} entries; refusing to "
                                  "stage it",
                                  k_listing_limit));
      }
      SourceEntry entry;
      entry.name = std::move(listed.name);
      entry.regular = listed.attributes.regular();
      entry.size = listed.attributes.size.value_or(0);
      entry.mtime = listed.attributes.mtime.value_or(0);
      entry.mode = listed.attributes.permissions.value_or(0) & 07777U;
      entries.push_back(std::move(entry));
    }
  }
  co_await close_handle(handle);
  co_return entries;
}

asio::awaitable<std::optional<std::string>> SftpConnection::read_small(std::string path) {
  const auto attributes = co_await stat(path);
  if (!attributes) {
    co_return std::nullopt;
  }
  const auto size = attributes->size.value_or(0);
  if (size > k_small_file_limit) {
    throw failure(fmt::format("the file has {} bytes, more than the {} cback reads of it", size,
                              k_small_file_limit));
  }
  std::string content;
  co_await read(std::move(path), 0, size,
                [&content](std::span<const std::byte> bytes) -> asio::awaitable<bool> {
                  content.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
                  co_return true;
                });
  co_return content;
}

asio::awaitable<void> SftpConnection::create_empty(std::string path) {
  begin("unable to write", path);
  const auto id = next_id();
  sftp::Attributes mode;
  mode.permissions = 0644;
  sftp::encode_open(m_out, id, path,
                    sftp::OpenFlags::write | sftp::OpenFlags::create | sftp::OpenFlags::truncate,
                    mode);
  const auto handle = co_await open_handle(id);
  co_await close_handle(handle);
}

/// One READ request sent and not yet answered.
struct SftpConnection::Request {
  std::uint32_t id = 0;
  std::uint32_t length = 0;
};

// Pipelined reads of one open file: up
// to requests_in_flight requests are sent ahead and their answers taken in
// order; a short answer (a server that caps reads, or a file that shrank)
// would leave a gap before the answers already requested, so those are
// then taken and dropped, and reading restarts at the first missing byte.
// Nothing is ever skipped. Servers answer one file's reads in order; an
// answer to a later request first is refused.
class SftpConnection::ReadPipeline {
public:
  ReadPipeline(SftpConnection& connection, const std::string& handle, std::uint64_t offset,
               std::uint64_t size)
      : m_connection(connection), m_handle(handle), m_next(offset), m_received(offset),
        m_size(size) {}

  [[nodiscard]] bool done() const { return m_received >= m_size; }

  /// Sends requests until requests_in_flight are outstanding or the file
  /// is asked for up to its size.
  void fill() {
    const auto& settings = m_connection.m_settings;
    while (m_next < m_size && m_requests.size() < settings.requests_in_flight) {
      const auto length = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(settings.request_size, m_size - m_next));
      const auto id = m_connection.next_id();
      sftp::encode_read(m_connection.m_out, id, m_handle, m_next, length);
      m_requests.push_back({id, length});
      m_next += length;
    }
  }

  /// Takes the next answer and gives its bytes to `sink`; false if the
  /// sink abandoned the transfer.
  asio::awaitable<bool> receive(const ByteSink& sink) {
    const auto request = m_requests.front();
    const auto reply = co_await m_connection.expect(request.id);
    m_requests.pop_front();
    const auto bytes = data_of(reply, request);
    m_received += bytes.size();
    if (!co_await sink(bytes)) {
      co_return false;
    }
    // The time the sink took was the consumer's, not the server's.
    m_connection.m_quiet_since = Clock::now();
    if (bytes.size() < request.length) {
      co_await drain();
      m_next = m_received;
    }
    fill();
    co_return true;
  }

  /// Takes and drops the answers still outstanding.
  asio::awaitable<void> drain() {
    while (!m_requests.empty()) {
      const auto request = m_requests.front();
      static_cast<void>(co_await m_connection.expect(request.id));
      m_requests.pop_front();
    }
  }

private:
  std::span<const std::byte> data_of(const sftp::Reply& reply, const Request& request) const {
    if (const auto* data = std::get_if<sftp::Data>(&reply)) {
      if (data->bytes.size() > request.length) {
        throw m_connection.failure(fmt::format("the server sent {} bytes for a request of {}",
                                               data->bytes.size(), request.length));
      }
      if (!data->bytes.empty()) {
        return data->bytes;
      }
    } else if (const auto* status = std::get_if<sftp::Status>(&reply);
               status != nullptr && !status->is(sftp::StatusCode::eof)) {
      throw m_connection.status_failure(*status);
    }
    throw m_connection.failure(fmt::format(
        "the file ended at byte {}, before its listed size of {} bytes", m_received, m_size));
  }

  SftpConnection& m_connection;
  const std::string& m_handle;
  std::uint64_t m_next;     ///< offset of the next request to send
  std::uint64_t m_received; ///< bytes [offset, m_received) delivered
  std::uint64_t m_size;
  std::deque<Request> m_requests;
};

asio::awaitable<bool> SftpConnection::read(std::string path, std::uint64_t offset,
                                           std::uint64_t size, ByteSink sink) {
  begin("unable to read", path);
  const auto id = next_id();
  sftp::encode_open(m_out, id, path, sftp::OpenFlags::read, {});
  const auto handle = co_await open_handle(id);
  ReadPipeline pipeline(*this, handle, offset, size);
  pipeline.fill();
  bool more = true;
  while (more && !pipeline.done()) {
    more = co_await pipeline.receive(sink);
  }
  co_await pipeline.drain();
  co_await close_handle(handle);
  co_return more;
}

} // namespace cback::peer
