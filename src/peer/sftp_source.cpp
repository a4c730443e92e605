#include <cback/peer/sftp_source.hpp>

#include <cback/core/error.hpp>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <deque>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <fmt/format.h>

namespace cback::peer {

namespace {

struct FileCloser {
  void operator()(sftp_file_struct* file) const noexcept { sftp_close(file); }
};
struct DirCloser {
  void operator()(sftp_dir_struct* dir) const noexcept { sftp_closedir(dir); }
};
struct AttributesFree {
  void operator()(sftp_attributes_struct* attributes) const noexcept {
    sftp_attributes_free(attributes);
  }
};
using File = std::unique_ptr<sftp_file_struct, FileCloser>;
using Dir = std::unique_ptr<sftp_dir_struct, DirCloser>;
using Attributes = std::unique_ptr<sftp_attributes_struct, AttributesFree>;

// Pipelined reads of one open file: up to `depth` requests are sent ahead,
// and their answers are taken in order. A short answer (a server that caps
// reads, or a file that shrank) would leave a gap before the answers
// already requested, so the pipeline is then drained and restarted at the
// first missing byte; nothing is ever skipped.
class ReadPipeline {
public:
  ReadPipeline(sftp_file_struct* file, std::uint64_t offset, std::uint64_t size,
               const SftpSettings& settings)
      : m_file(file), m_next(offset), m_received(offset), m_size(size), m_settings(settings) {}

  ~ReadPipeline() { drain(); }
  ReadPipeline(const ReadPipeline&) = delete;
  ReadPipeline& operator=(const ReadPipeline&) = delete;

  /// Starts reading; false when the server refused.
  bool start() { return sftp_seek64(m_file, m_next) == 0 && fill(); }
  [[nodiscard]] bool done() const { return m_received >= m_size; }
  /// Bytes the next answer may hold (at most request_size).
  [[nodiscard]] std::size_t next_length() const { return m_settings.request_size; }

  /// Receives the next answer into `into` (room for next_length() bytes):
  /// the bytes received (0 = end of file), or -1 on an error.
  int receive(std::byte* into) {
    if (m_requests.empty() && !fill()) {
      return -1;
    }
    const auto [id, length] = m_requests.front();
    m_requests.pop_front();
    const int got = sftp_async_read(m_file, into, length, id);
    if (got <= 0) {
      return got;
    }
    m_received += static_cast<std::uint64_t>(got);
    if (static_cast<std::uint32_t>(got) < length) {
      drain();
      m_next = m_received;
      if (sftp_seek64(m_file, m_next) != 0) {
        return -1;
      }
    }
    return fill() ? got : -1;
  }

private:
  bool fill() {
    while (m_next < m_size && m_requests.size() < m_settings.requests_in_flight) {
      const auto length = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(m_settings.request_size, m_size - m_next));
      const int id = sftp_async_read_begin(m_file, length);
      if (id < 0) {
        return false;
      }
      m_requests.emplace_back(static_cast<std::uint32_t>(id), length);
      m_next += length;
    }
    return true;
  }

  // Answers to requests already sent must be taken (libssh keeps them).
  void drain() noexcept {
    std::vector<std::byte> scratch(m_settings.request_size);
    for (const auto& [id, length] : m_requests) {
      if (sftp_async_read(m_file, scratch.data(), length, id) < 0) {
        break; // the connection is gone: nothing more will come
      }
    }
    m_requests.clear();
  }

  sftp_file_struct* m_file;
  std::uint64_t m_next;     ///< offset of the next request to send
  std::uint64_t m_received; ///< bytes [0, m_received) delivered
  std::uint64_t m_size;
  const SftpSettings& m_settings;
  std::deque<std::pair<std::uint32_t, std::uint32_t>> m_requests; ///< id, length
};

} // namespace

void SftpSource::SftpDeleter::operator()(sftp_session_struct* sftp) const noexcept {
  sftp_free(sftp);
}

SftpSource::SftpSource(SshEndpoint endpoint, std::string collect_dir, SftpSettings settings)
    : m_endpoint(std::move(endpoint)), m_collect_dir(std::move(collect_dir)), m_settings(settings) {
  m_settings.request_size = std::clamp<std::size_t>(m_settings.request_size, 1024, 65536);
  m_settings.requests_in_flight = std::max(1U, m_settings.requests_in_flight);
}

// The SFTP session goes before the SSH session it runs on; closing it
// talks to the server, so it is watched too.
SftpSource::~SftpSource() {
  if (m_watchdog) {
    const auto section = watched();
    m_sftp.reset();
  }
}

std::string SftpSource::path_of(const std::string& name) const {
  return m_collect_dir + "/" + name;
}

void SftpSource::fail(const std::string& what, const std::string& path) const {
  if (m_watchdog && m_watchdog->stopped()) {
    throw Error(ExitCode::interrupted, "Backup interrupted.");
  }
  if (m_watchdog && m_watchdog->timed_out()) {
    throw Error(
        ExitCode::action,
        fmt::format("{}: {} [{}]: no progress for {} s (io_timeout); connection closed", describe(),
                    what, path,
                    std::chrono::duration_cast<std::chrono::seconds>(m_watchdog->limit()).count()));
  }
  const int code = m_sftp ? sftp_get_error(m_sftp.get()) : 0;
  throw Error(ExitCode::action, fmt::format("{}: {} [{}]: {} (SFTP status {})", describe(), what,
                                            path, ssh_get_error(m_session->native()), code));
}

void SftpSource::open() {
  m_session.emplace(SshSession::connect(m_endpoint, m_settings.stop));
  // Read requests are small packets sent while answers stream in: with
  // Nagle's algorithm each waits for the peer's delayed ACK (up to 40 ms),
  // which stalls the pipeline. OpenSSH's sftp and scp set TCP_NODELAY too.
  const int one = 1;
  const int fd = ssh_get_fd(m_session->native());
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  m_watchdog = std::make_unique<Watchdog>(fd, m_settings.io_timeout, m_settings.stop);
  const auto section = watched();
  m_sftp.reset(sftp_new(m_session->native()));
  if (!m_sftp || sftp_init(m_sftp.get()) != SSH_OK) {
    throw Error(ExitCode::action, fmt::format("{}: unable to start SFTP: {}", describe(),
                                              ssh_get_error(m_session->native())));
  }
}

bool SftpSource::collect_indicator_present() {
  const auto section = watched();
  const auto path = path_of(k_collect_indicator);
  const Attributes attributes(sftp_stat(m_sftp.get(), path.c_str()));
  if (attributes) {
    return true;
  }
  const int code = sftp_get_error(m_sftp.get());
  if (code == SSH_FX_NO_SUCH_FILE || code == SSH_FX_NO_SUCH_PATH) {
    return false;
  }
  fail("unable to look for", path);
}

std::vector<SourceEntry> SftpSource::list() {
  const auto section = watched();
  const Dir dir(sftp_opendir(m_sftp.get(), m_collect_dir.c_str()));
  if (!dir) {
    fail("unable to list collect directory", m_collect_dir);
  }
  std::vector<SourceEntry> entries;
  while (const Attributes attributes{sftp_readdir(m_sftp.get(), dir.get())}) {
    const std::string name = attributes->name;
    if (name == "." || name == "..") {
      continue;
    }
    if (entries.size() == k_listing_limit) {
      throw Error(ExitCode::action,
                  fmt::format("{}: the collect directory lists more than {} entries; refusing "
                              "to stage it.",
                              describe(), k_listing_limit));
    }
    SourceEntry entry;
    entry.name = name;
    entry.regular = attributes->type == SSH_FILEXFER_TYPE_REGULAR;
    entry.size = attributes->size;
    entry.mtime = attributes->mtime;
    entry.mode = attributes->permissions & 07777U;
    entries.push_back(std::move(entry));
  }
  if (sftp_dir_eof(dir.get()) == 0) {
    fail("unable to list collect directory", m_collect_dir);
  }
  return entries;
}

std::optional<std::string> SftpSource::read_small(const std::string& name) {
  auto section = watched();
  const auto path = path_of(name);
  const File file(sftp_open(m_sftp.get(), path.c_str(), O_RDONLY, 0));
  if (!file) {
    const int code = sftp_get_error(m_sftp.get());
    if (code == SSH_FX_NO_SUCH_FILE || code == SSH_FX_NO_SUCH_PATH) {
      return std::nullopt;
    }
    fail("unable to open", path);
  }
  std::string content;
  char block[65536];
  for (;;) {
    const auto got = sftp_read(file.get(), block, sizeof block);
    if (got < 0) {
      fail("unable to read", path);
    }
    if (got == 0) {
      return content;
    }
    section.progress();
    content.append(block, static_cast<std::size_t>(got));
    if (content.size() > k_small_file_limit) {
      fail("file too large", path);
    }
  }
}

bool SftpSource::pull(const SourceEntry& entry, std::uint64_t offset, core::BufferPool& pool,
                      const ChunkSink& sink) {
  auto section = watched();
  const auto path = path_of(entry.name);
  const File file(sftp_open(m_sftp.get(), path.c_str(), O_RDONLY, 0));
  if (!file) {
    fail("unable to open", path);
  }
  ReadPipeline pipeline(file.get(), offset, entry.size, m_settings);
  if (!pipeline.start()) {
    fail("unable to read", path);
  }
  std::optional<core::Buffer> buffer;
  while (!pipeline.done()) {
    if (!buffer) {
      section.pause(); // may wait for the writer to give a buffer back
      buffer = pool.acquire();
      section.resume();
      if (!buffer) {
        return false;
      }
      buffer->resize(0);
    }
    // Answers are copied straight into the pool buffer; a full buffer is
    // handed on, so the writer sees large writes.
    if (buffer->capacity() - buffer->size() < pipeline.next_length()) {
      section.pause();
      const bool more = sink(std::move(*buffer));
      section.resume();
      buffer.reset();
      if (!more) {
        return false;
      }
      continue;
    }
    const int got = pipeline.receive(buffer->data() + buffer->size());
    if (got < 0) {
      fail("unable to read", path);
    }
    if (got == 0) {
      fail(fmt::format("file ended before its listed size of {} bytes:", entry.size), path);
    }
    section.progress();
    buffer->resize(buffer->size() + static_cast<std::size_t>(got));
  }
  section.pause();
  return !buffer || buffer->size() == 0 || sink(std::move(*buffer));
}

void SftpSource::write_stage_indicator() {
  const auto section = watched();
  const auto path = path_of(k_stage_indicator);
  const File file(sftp_open(m_sftp.get(), path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  if (!file) {
    fail("unable to write", path);
  }
}

std::string SftpSource::describe() const {
  return describe_peer(m_endpoint, m_collect_dir);
}

} // namespace cback::peer
