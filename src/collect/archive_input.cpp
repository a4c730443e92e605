#include "archive_input.hpp"

#include <cback/core/error.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace cback::collect::detail {

OpenedFile open_regular(const std::string& path) {
  OpenedFile file;
  // O_NONBLOCK: a FIFO put in place of the file since the walk must not
  // hang the open; it is refused below.
  file.fd.reset(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!file.fd) {
    const int error = errno;
    file.failure = error == ENOENT
                       ? "vanished before it was archived; not archived"
                       : fmt::format("cannot be opened ({}); not archived", std::strerror(error));
    return file;
  }
  if (::fstat(file.fd.get(), &file.st) != 0) {
    file.failure = fmt::format("cannot be read ({}); not archived", std::strerror(errno));
  } else if (!S_ISREG(file.st.st_mode)) {
    file.failure = "is no longer a regular file; not archived";
  }
  if (file.failure) {
    file.fd.reset();
  }
  return file;
}

ContentReader::ContentReader(const std::vector<Entry>& entries, io::Backend& backend,
                             unsigned read_depth)
    : m_entries(&entries), m_planned(entries.size(), false) {
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    if (entry.kind != EntryKind::file) {
      continue;
    }
    if (entry.hardlink_candidate() && !seen.emplace(entry.stat.dev, entry.stat.ino).second) {
      continue;
    }
    m_plan.push_back(i);
    m_planned[i] = true;
  }
  auto batch = io::BatchReader::open(backend, std::max(read_depth, 1U));
  if (!batch) {
    throw Error(ExitCode::action,
                fmt::format("Cannot start reading files: {}", batch.error().message()));
  }
  m_batch.emplace(std::move(*batch));
}

ContentReader::~ContentReader() {
  m_batch.reset(); // waits for the reads into the window's buffers
}

bool ContentReader::planned(std::size_t index) const {
  return index < m_planned.size() && m_planned[index];
}

void ContentReader::fill() {
  while (m_front + m_window.size() < m_plan.size() && m_window.size() < k_window_files &&
         m_window_bytes < k_window_bytes) {
    prepare(m_front + m_window.size());
  }
}

void ContentReader::prepare(std::size_t position) {
  const Entry& entry = (*m_entries)[m_plan[position]];
  OpenedFile& file = m_window.emplace_back(open_regular(entry.path));
  if (file.failure || file.st.st_size <= 0 ||
      static_cast<std::uint64_t>(file.st.st_size) > k_small_file) {
    return;
  }
  file.buffer_size = static_cast<std::size_t>(file.st.st_size) + 1;
  file.buffer = std::make_unique_for_overwrite<std::byte[]>(file.buffer_size);
  m_window_bytes += file.buffer_size;
  m_batch->submit(
      io::ReadRequest{entry.path, file.fd.get(), {file.buffer.get(), file.buffer_size}, position});
}

OpenedFile ContentReader::take(std::size_t index) {
  while (m_front < m_plan.size() && m_plan[m_front] < index) {
    // Not reached in practice (every planned entry is taken), but keeps the
    // window consistent if a caller skips one.
    (void)take(m_plan[m_front]);
  }
  fill();
  OpenedFile& front = m_window.front();
  while (front.whole() && !front.read) {
    auto result = m_batch->next();
    if (!result) {
      break;
    }
    const std::size_t position = result->request.tag;
    m_window[position - m_front].read = std::move(*result);
  }
  OpenedFile file = std::move(front);
  m_window.pop_front();
  ++m_front;
  m_window_bytes -= file.buffer_size;
  fill(); // start the next reads before the encoder works on this one
  return file;
}

} // namespace cback::collect::detail
