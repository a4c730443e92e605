#include <cback/peer/local_source.hpp>

#include <cback/core/atomic_file.hpp>
#include <cback/core/error.hpp>
#include <cback/core/read_file.hpp>
#include <cback/core/unique_fd.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace cback::peer {

namespace fs = std::filesystem;

LocalSource::LocalSource(std::string peer_name, fs::path collect_dir)
    : m_peer_name(std::move(peer_name)), m_collect_dir(std::move(collect_dir)) {}

void LocalSource::open() {}

bool LocalSource::collect_indicator_present() {
  std::error_code error;
  return fs::exists(m_collect_dir / k_collect_indicator, error);
}

std::vector<SourceEntry> LocalSource::list() {
  std::vector<SourceEntry> entries;
  std::error_code error;
  if (!fs::is_directory(m_collect_dir, error)) {
    throw Error(ExitCode::action,
                fmt::format("Collect directory [{}] does not exist.", m_collect_dir.string()));
  }
  for (fs::directory_iterator it(m_collect_dir, error), end; !error && it != end;
       it.increment(error)) {
    struct ::stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) {
      continue; // vanished between readdir and lstat
    }
    SourceEntry entry;
    entry.name = it->path().filename().string();
    entry.regular = S_ISREG(st.st_mode);
    entry.size = static_cast<std::uint64_t>(st.st_size);
    entry.mtime = st.st_mtim.tv_sec;
    entry.mode = st.st_mode & 07777U;
    entries.push_back(std::move(entry));
  }
  if (error) {
    throw Error(ExitCode::action, fmt::format("Unable to list collect directory [{}]: {}",
                                              m_collect_dir.string(), error.message()));
  }
  return entries;
}

std::optional<std::string> LocalSource::read_small(const std::string& name) {
  auto content = core::read_file(m_collect_dir / name);
  if (!content) {
    if (content.error() == std::errc::no_such_file_or_directory) {
      return std::nullopt;
    }
    throw Error(ExitCode::action,
                fmt::format("Unable to read [{}]: {}", (m_collect_dir / name).string(),
                            content.error().message()));
  }
  return std::move(*content);
}

bool LocalSource::pull(const SourceEntry& entry, std::uint64_t offset, core::BufferPool& pool,
                       const ChunkSink& sink) {
  const fs::path path = m_collect_dir / entry.name;
  const core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    throw Error(ExitCode::action,
                fmt::format("Unable to open [{}]: {}", path.string(), std::strerror(errno)));
  }
  while (offset < entry.size) {
    auto buffer = pool.acquire();
    if (!buffer) {
      return false;
    }
    const auto want = std::min<std::uint64_t>(buffer->capacity(), entry.size - offset);
    const auto got = ::pread(fd.get(), buffer->data(), want, static_cast<off_t>(offset));
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
