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

// The directory NAME is written in, opened once: the .partial is created,
// renamed and removed relative to it, so all three happen in the same
// directory whatever is renamed around it meanwhile.
UniqueFd open_directory_of(const std::filesystem::path& file,
                           const std::filesystem::path& partial) {
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) {
    dir = ".";
  }
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    throw_io_error("creating", partial);
  }
  return fd;
}

// A NAME.partial left by a run that died, or put there by whoever owns the
// directory, is unlinked rather than opened: unlink removes a symbolic or
// hard link itself, never what it points at. A directory is not removed
// (it is nothing cback leaves behind), and stops the write.
void remove_stale(int dir, const std::string& name, const std::filesystem::path& partial) {
  if (::unlinkat(dir, name.c_str(), 0) == 0 || errno == ENOENT) {
    return;
  }
  if (errno == EISDIR) {
    throw Error(ExitCode::action,
                fmt::format("Error creating [{}]: a directory is in the way; remove it to continue",
                            partial.string()));
  }
  throw_io_error("removing the stale", partial);
}

} // namespace

AtomicFile::AtomicFile(std::filesystem::path path, mode_t mode)
    : m_path(std::move(path)), m_partial(m_path.string() + ".partial"),
      m_dir(open_directory_of(m_path, m_partial)), m_name(m_path.filename().string()),
      m_partial_name(m_name + ".partial") {
  if (m_name.empty()) {
    errno = EISDIR;
    throw_io_error("creating", m_partial);
  }
  remove_stale(m_dir.get(), m_partial_name, m_partial);
  // O_EXCL: a name planted again since the unlink fails here instead of
  // being written through.
  m_fd.reset(::openat(m_dir.get(), m_partial_name.c_str(),
                      O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!m_fd) {
    throw_io_error("creating", m_partial);
  }
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_path(std::move(other.m_path)), m_partial(std::move(other.m_partial)),
      m_dir(std::move(other.m_dir)), m_name(std::move(other.m_name)),
      m_partial_name(std::move(other.m_partial_name)), m_fd(std::move(other.m_fd)),
      m_committed(std::exchange(other.m_committed, true)) {}

AtomicFile::~AtomicFile() {
  if (!m_committed) {
    m_fd.reset();
    (void)::unlinkat(m_dir.get(), m_partial_name.c_str(), 0);
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
  if (::renameat(m_dir.get(), m_partial_name.c_str(), m_dir.get(), m_name.c_str()) != 0) {
    throw_io_error("renaming", m_partial);
  }
  m_committed = true;
  // Makes the rename itself durable: without it a crash can forget that
  // NAME exists although its data reached the disk.
  if (::fsync(m_dir.get()) != 0) {
    throw_io_error("syncing directory", m_path.parent_path());
  }
}

void write_indicator(const std::filesystem::path& path) {
  AtomicFile file(path);
  file.commit();
}

} // namespace cback::core
