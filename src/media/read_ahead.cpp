#include "read_ahead.hpp"

#include <cback/core/unique_fd.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::media {
namespace {

// Reads of up to 1 MiB keep the disk streaming; the reader waits until at
// least 256 KiB (or the rest of a smaller file) fits, and libisofs's side
// wakes it only once that much is free, so neither side wakes the other
// for every 2 KiB.
constexpr std::size_t k_piece = 1024 * 1024;
constexpr std::size_t k_min_piece = 256 * 1024;

} // namespace

core::UniqueFd open_staged_file(const std::string& path, dev_t dev, ino_t ino) noexcept {
  core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    return fd;
  }
  struct ::stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return core::UniqueFd();
  }
  if (!S_ISREG(info.st_mode) || info.st_dev != dev || info.st_ino != ino) {
    errno = ESTALE;
    return core::UniqueFd();
  }
  return fd;
}

std::string staged_file_error(int error) {
  switch (error) {
  case ELOOP:
    return "it is a symbolic link now; not following it";
  case ESTALE:
    return "another file is at its name now (replaced since the image was planned)";
  default:
    return std::strerror(error);
  }
}

ReadAhead::~ReadAhead() {
  stop();
}

void ReadAhead::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_space_ready.notify_all();
  m_data_ready.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
  std::lock_guard lock(m_mutex);
  m_pieces.clear();
  m_used = 0;
  m_ring = {};
}

std::size_t ReadAhead::add(File file) {
  m_files.push_back(std::move(file));
  return m_files.size() - 1;
}

ReadAhead::Claim ReadAhead::claim(std::size_t index) {
  std::unique_lock lock(m_mutex);
  if (m_stop) {
    return Claim::direct; // the file is still there to be read
  }
  if (!m_thread.joinable()) {
    m_ring.resize(k_window);
    m_thread = std::thread(&ReadAhead::run, this);
  }
  if (m_current >= 0 && static_cast<std::int64_t>(index) <= m_current) {
    return Claim::direct;
  }
  m_current = static_cast<std::int64_t>(index);
  drop_before(index);
  if (m_reader_waiting) {
    m_space_ready.notify_one();
  }
  return Claim::ring;
}

std::int64_t ReadAhead::read(std::size_t index, char* out, std::size_t count) {
  std::unique_lock lock(m_mutex);
  std::size_t done = 0;
  while (done < count) {
    // The reader may add the end of an earlier file after the claim.
    drop_before(index);
    if (m_pieces.empty() || m_pieces.front().index != index) {
      if (m_stop || (!m_pieces.empty() && m_pieces.front().index > index)) {
        break;
      }
      m_writer_waiting = true;
      m_data_ready.wait(lock);
      m_writer_waiting = false;
      continue;
    }
    Piece& piece = m_pieces.front();
    if (piece.end) {
      if (piece.error != 0 && done == 0) {
        return -piece.error;
      }
      break;
    }
    const std::size_t take = std::min(count - done, piece.length);
    std::memcpy(out + done, m_ring.data() + piece.position, take);
    done += take;
    piece.position += take;
    piece.length -= take;
    m_tail = piece.position;
    if (piece.length == 0) {
      m_pieces.pop_front();
    }
    release(take);
  }
  return static_cast<std::int64_t>(done);
}

void ReadAhead::note_error(std::string error) {
  std::lock_guard lock(m_mutex);
  m_errors.push_back(std::move(error));
}

std::vector<std::string> ReadAhead::errors() const {
  std::lock_guard lock(m_mutex);
  return m_errors;
}

void ReadAhead::run() {
  for (std::size_t index = 0; index < m_files.size(); ++index) {
    {
      std::lock_guard lock(m_mutex);
      if (m_stop) {
        return;
      }
      if (static_cast<std::int64_t>(index) < m_current) {
        continue;
      }
    }
    if (!read_file(index)) {
      return;
    }
  }
}

bool ReadAhead::read_file(std::size_t index) {
  const File& file = m_files[index];
  Piece end{.index = index, .end = true};
  core::UniqueFd fd = open_staged_file(file.path, file.dev, file.ino);
  if (!fd) {
    end.error = errno;
  } else {
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  std::int64_t offset = 0;
  while (fd && offset < file.size) {
    const auto left = static_cast<std::size_t>(file.size - offset);
    std::unique_lock lock(m_mutex);
    if (!wait_for_space(lock, std::min(left, k_min_piece))) {
      return false;
    }
    if (static_cast<std::int64_t>(index) < m_current) {
      return true; // libisofs has gone past this file
    }
    const std::size_t length = std::min({left, k_piece, take_space()});
    const std::size_t position = m_head;
    lock.unlock();
    // The range [position, position + length) is outside every piece, so
    // libisofs's thread does not touch it while it is being read into.
    ssize_t got = 0;
    do {
      got = ::pread(fd.get(), m_ring.data() + position, length, offset);
    } while (got < 0 && errno == EINTR);
    lock.lock();
    if (got <= 0) {
      end.error = got < 0 ? errno : 0; // 0: the file ended early
      break;
    }
    m_head = position + static_cast<std::size_t>(got);
    m_used += static_cast<std::size_t>(got);
    push(lock,
         Piece{.index = index, .position = position, .length = static_cast<std::size_t>(got)});
    offset += got;
  }
  std::unique_lock lock(m_mutex);
  push(lock, end);
  return true;
}

// The largest free run the reader can write into: after the data, or —
// when the run to the end of the ring is short — from the ring's start up
// to the data (the short run is then skipped).
std::size_t ReadAhead::free_run() const {
  if (m_used == 0) {
    return m_ring.size();
  }
  if (m_head > m_tail) {
    return std::max(m_ring.size() - m_head, m_tail);
  }
  return m_head < m_tail ? m_tail - m_head : 0;
}

bool ReadAhead::wait_for_space(std::unique_lock<std::mutex>& lock, std::size_t wanted) {
  m_reader_wants = wanted;
  while (!m_stop && free_run() < wanted) {
    m_reader_waiting = true;
    m_space_ready.wait(lock);
    m_reader_waiting = false;
  }
  return !m_stop;
}

// Moves the write position to the ring's start when free_run() is there.
std::size_t ReadAhead::take_space() {
  if (m_used == 0) {
    m_head = 0;
    m_tail = 0;
  } else if (m_head > m_tail && m_ring.size() - m_head < m_tail) {
    m_head = 0;
  }
  return free_run();
}

void ReadAhead::push(std::unique_lock<std::mutex>& lock, const Piece& piece) {
  m_pieces.push_back(piece);
  const bool wake = m_writer_waiting;
  lock.unlock();
  if (wake) {
    m_data_ready.notify_one();
  }
}

void ReadAhead::drop_before(std::size_t index) {
  while (!m_pieces.empty() && m_pieces.front().index < index) {
    const Piece& piece = m_pieces.front();
    if (!piece.end) {
      m_tail = piece.position + piece.length;
      release(piece.length);
    }
    m_pieces.pop_front();
  }
}

void ReadAhead::release(std::size_t length) {
  m_used -= length;
  if (m_reader_waiting && free_run() >= m_reader_wants) {
    m_space_ready.notify_one();
  }
}

} // namespace cback::media
