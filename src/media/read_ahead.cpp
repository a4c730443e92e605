#include "read_ahead.hpp"

#include <cback/core/unique_fd.hpp>
#include <cback/io/stream_reader.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::media {

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
    if (m_pool) {
      m_pool->close(); // wakes the reader waiting for a buffer
    }
  }
  m_data_ready.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
  std::lock_guard lock(m_mutex);
  m_pieces.clear();
  m_pool.reset();
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
    auto engine = m_backend->make_engine(k_depth);
    if (!engine) {
      m_errors.push_back(fmt::format("[read-ahead]: {}", engine.error().message()));
      m_stop = true;
      return Claim::direct;
    }
    m_pool.emplace(k_window / k_piece, k_piece);
    m_thread = std::thread(&ReadAhead::run, this, std::move(*engine));
  }
  if (m_current >= 0 && static_cast<std::int64_t>(index) <= m_current) {
    return Claim::direct;
  }
  m_current = static_cast<std::int64_t>(index);
  drop_before(index);
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
    const std::size_t take = std::min(count - done, piece.buffer.size() - piece.position);
    std::memcpy(out + done, piece.buffer.data() + piece.position, take);
    done += take;
    piece.position += take;
    if (piece.position == piece.buffer.size()) {
      m_pieces.pop_front(); // the buffer goes back to the pool, for the reader
    }
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

void ReadAhead::run(std::unique_ptr<io::Engine> engine) {
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
    if (!read_file(*engine, index)) {
      return;
    }
  }
}

// The StreamReader waits for a pool buffer when all are taken: the pool is
// the window, and libisofs's thread frees a buffer as it takes its last
// byte (or drops the buffers of files it went past).
bool ReadAhead::read_file(io::Engine& engine, std::size_t index) {
  const File& file = m_files[index];
  Piece end;
  end.index = index;
  end.end = true;
  core::UniqueFd fd = open_staged_file(file.path, file.dev, file.ino);
  if (!fd) {
    end.error = errno;
    push(std::move(end));
    return true;
  }
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  io::StreamReader reader(engine, fd.get(), file.path, *m_pool,
                          static_cast<std::uint64_t>(file.size));
  for (;;) {
    auto chunk = reader.next();
    {
      std::lock_guard lock(m_mutex);
      if (m_stop) {
        return false;
      }
      if (static_cast<std::int64_t>(index) < m_current) {
        return true; // libisofs has gone past this file
      }
    }
    if (!chunk) {
      end.error = chunk.error().error_number;
      break;
    }
    if (!*chunk) {
      break; // the end, or an early end (libisofs notes it)
    }
    Piece piece;
    piece.index = index;
    piece.buffer = std::move(**chunk);
    push(std::move(piece));
  }
  push(std::move(end));
  return true;
}

void ReadAhead::push(Piece piece) {
  std::unique_lock lock(m_mutex);
  m_pieces.push_back(std::move(piece));
  const bool wake = m_writer_waiting;
  lock.unlock();
  if (wake) {
    m_data_ready.notify_one();
  }
}

void ReadAhead::drop_before(std::size_t index) {
  while (!m_pieces.empty() && m_pieces.front().index < index) {
    m_pieces.pop_front();
  }
}

} // namespace cback::media
