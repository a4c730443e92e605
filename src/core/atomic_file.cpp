#include <cback/core/atomic_file.hpp>

#include <cback/core/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace cback::core {
namespace {

[[noreturn]] void throw_io_error(std::string_view what, const std::filesystem::path& path) {
  throw Error(ExitCode::action,
              fmt::format("Error {} [{}]: {}", what, path.string(), std::strerror(errno)));
}

// Makes the rename itself durable: without it a crash can forget that
// NAME exists although its data reached the disk.
void sync_directory(const std::filesystem::path& file) {
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) {
    dir = ".";
  }
  const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) {
    throw_io_error("syncing directory", dir);
  }
}

} // namespace

AtomicFile::AtomicFile(std::filesystem::path path, mode_t mode)
    : m_path(std::move(path)), m_partial(m_path.string() + ".partial") {
  m_fd.reset(::open(m_partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!m_fd) {
    throw_io_error("creating", m_partial);
  }
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_path(std::move(other.m_path)), m_partial(std::move(other.m_partial)),
      m_fd(std::move(other.m_fd)), m_committed(std::exchange(other.m_committed, true)) {}

AtomicFile::~AtomicFile() {
  if (!m_committed) {
    m_fd.reset();
    (void)::unlink(m_partial.c_str());
  }
}

void AtomicFile::write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(m_fd.get(), data.data(), data.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written <= 0) {
      throw_io_error("writing", m_partial);
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
}

void AtomicFile::commit() {
  if (::fsync(m_fd.get()) != 0) {
    throw_io_error("syncing", m_partial);
  }
  if (m_fd.close() != 0) {
    throw_io_error("closing", m_partial);
  }
  if (::rename(m_partial.c_str(), m_path.c_str()) != 0) {
    throw_io_error("renaming", m_partial);
  }
  m_committed = true;
  sync_directory(m_path);
}

void write_indicator(const std::filesystem::path& path) {
  AtomicFile file(path);
  file.commit();
}

} // namespace cback::core
