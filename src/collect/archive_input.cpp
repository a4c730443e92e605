#include "archive_input.hpp"

#include <cback/core/error.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
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

ContentReader::ContentReader(io::Backend& backend, unsigned read_depth) {
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

bool ContentReader::full() const noexcept {
  return m_window.size() >= k_window_entries || m_window_files >= k_window_files ||
         m_window_bytes >= k_window_bytes;
}

void ContentReader::push(Entry entry) {
  const std::uint64_t sequence = m_front_sequence + m_window.size();
  WindowEntry& slot = m_window.emplace_back(WindowEntry{std::move(entry), std::nullopt});
  const Entry& added = slot.entry;
  if (added.kind != EntryKind::file) {
    return;
  }
  if (added.hardlink_candidate() && !m_multi_named.emplace(added.stat.dev, added.stat.ino).second) {
    return; // a later name: the encoder stores it as a hard link
  }
  OpenedFile& file = slot.file.emplace(open_regular(added.path));
  ++m_window_files;
  if (file.failure || file.st.st_size <= 0 ||
      static_cast<std::uint64_t>(file.st.st_size) > k_small_file) {
    return;
  }
  file.buffer_size = static_cast<std::size_t>(file.st.st_size) + 1;
  file.buffer = std::make_unique_for_overwrite<std::byte[]>(file.buffer_size);
  m_window_bytes += file.buffer_size;
  m_batch->submit(
      io::ReadRequest{added.path, file.fd.get(), {file.buffer.get(), file.buffer_size}, sequence});
}

WindowEntry ContentReader::pop() {
  WindowEntry& front = m_window.front();
  while (front.file && front.file->whole() && !front.file->read) {
    auto result = m_batch->next();
    if (!result) {
      break;
    }
    const auto position = static_cast<std::size_t>(result->request.tag - m_front_sequence);
    m_window[position].file->read = std::move(*result);
  }
  WindowEntry taken = std::move(front);
  m_window.pop_front();
  ++m_front_sequence;
  if (taken.file) {
    --m_window_files;
    m_window_bytes -= taken.file->buffer_size;
  }
  return taken;
}

} // namespace cback::collect::detail
