#include <cback/peer/local_source.hpp>

#include <cback/core/atomic_file.hpp>
#include <cback/core/beneath.hpp>
#include <cback/core/directory.hpp>
#include <cback/core/error.hpp>
#include <cback/core/read_file.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace cback::peer {

namespace fs = std::filesystem;

namespace {

// "it is not a regular file", or errno's text.
std::string reason(const std::error_code& error) {
  return error.category() == core::file_refusal_category() ? "it " + error.message()
                                                           : error.message();
}

} // namespace

LocalSource::LocalSource(std::string peer_name, fs::path collect_dir)
    : m_peer_name(std::move(peer_name)), m_collect_dir(std::move(collect_dir)) {}

void LocalSource::open() {}

int LocalSource::directory() {
  if (!m_dir) {
    m_dir.reset(::open(m_collect_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!m_dir) {
      const int error = errno;
      throw Error(ExitCode::action,
                  error == ENOENT ? fmt::format("Collect directory [{}] does not exist.",
                                                m_collect_dir.string())
                                  : fmt::format("{}: unable to open its collect directory: {}",
                                                describe(), std::strerror(error)));
    }
  }
  return m_dir.get();
}

// Only a regular file counts; anything else at that name (a symlink, a
// FIFO) fails the peer rather than being followed or opened.
bool LocalSource::collect_indicator_present() {
  int dir = -1;
  try {
    dir = directory();
  } catch (const Error&) {
    return false; // no collect dir: not ready, as in the original
  }
  struct ::stat st {};
  if (::fstatat(dir, k_collect_indicator, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      return false;
    }
    throw Error(ExitCode::action, fmt::format("{}: unable to look for [{}]: {}", describe(),
                                              k_collect_indicator, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(ExitCode::action,
                fmt::format("{}: [{}] {}.", describe(),
                            (m_collect_dir / k_collect_indicator).string(),
                            make_error_code(S_ISLNK(st.st_mode) ? core::FileRefusal::symlink
                                                                : core::FileRefusal::not_regular)
                                .message()));
  }
  return true;
}

std::vector<SourceEntry> LocalSource::list() {
  const int dir = directory();
  const auto listed = core::list_names(dir);
  if (listed.error) {
    throw Error(ExitCode::action, fmt::format("Unable to list collect directory [{}]: {}",
                                              m_collect_dir.string(), listed.error.message()));
  }
  std::vector<SourceEntry> entries;
  for (const auto& name : listed.names) {
    struct ::stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      continue; // vanished between readdir and fstatat
    }
    SourceEntry entry;
    entry.name = name;
    entry.regular = S_ISREG(st.st_mode);
    entry.size = static_cast<std::uint64_t>(st.st_size);
    entry.mtime = st.st_mtim.tv_sec;
    entry.mode = st.st_mode & 07777U;
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::optional<std::string> LocalSource::read_small(const std::string& name) {
  auto content = core::read_file_beneath(directory(), name, k_small_file_limit);
  if (!content) {
    if (content.error() == std::errc::no_such_file_or_directory) {
      return std::nullopt;
    }
    throw Error(ExitCode::action,
                fmt::format("{}: unable to read [{}]: {}", describe(),
                            (m_collect_dir / name).string(), reason(content.error())));
  }
  return std::move(*content);
}

bool LocalSource::pull(const SourceEntry& entry, std::uint64_t offset, core::BufferPool& pool,
                       const ChunkSink& sink) {
  const fs::path path = m_collect_dir / entry.name;
  // Opened without following links or blocking: the file listed may have
  // been replaced since by a symlink or a FIFO.
  const auto fd = core::open_regular_beneath(directory(), entry.name, O_RDONLY);
  if (!fd) {
    throw Error(ExitCode::action, fmt::format("{}: unable to open [{}]: {}", describe(),
                                              path.string(), reason(fd.error())));
  }
  while (offset < entry.size) {
    auto buffer = pool.acquire();
    if (!buffer) {
      return false;
    }
    const auto want = std::min<std::uint64_t>(buffer->capacity(), entry.size - offset);
    const auto got = ::pread(fd->get(), buffer->data(), want, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      throw Error(ExitCode::action,
                  fmt::format("Unable to read [{}] at byte {}: {}", path.string(), offset,
                              got == 0 ? "the file is shorter than listed" : std::strerror(errno)));
    }
    buffer->resize(static_cast<std::size_t>(got));
    offset += static_cast<std::uint64_t>(got);
    if (!sink(std::move(*buffer))) {
      return false;
    }
  }
  return true;
}

void LocalSource::write_stage_indicator() {
  core::write_indicator(m_collect_dir / k_stage_indicator);
}

std::string LocalSource::describe() const {
  return fmt::format("local peer [{}] ({})", m_peer_name, m_collect_dir.string());
}

} // namespace cback::peer
