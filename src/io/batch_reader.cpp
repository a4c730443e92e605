#include <cback/io/batch_reader.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace cback::io {

BatchReader::BatchReader(std::unique_ptr<Engine> engine)
    : m_engine(std::move(engine)), m_slots(m_engine->depth()) {
  for (std::size_t i = m_slots.size(); i > 0; --i) {
    m_free_slots.push_back(i - 1);
  }
}

Result<BatchReader> BatchReader::open(Backend& backend, unsigned depth) {
  auto engine = backend.make_engine(depth);
  if (!engine) {
    return tl::make_unexpected(engine.error());
  }
  return BatchReader(std::move(*engine));
}

BatchReader::~BatchReader() {
  if (!m_engine) {
    return;
  }
  m_queued.clear();
  // complete() may start the read that follows an open; the loop runs until
  // that, too, is done, and complete() closes every fd it opened.
  while (m_engine->in_flight() > 0) {
    complete(m_engine->wait());
  }
}

void BatchReader::submit(ReadRequest request) {
  m_queued.push_back(std::move(request));
}

std::size_t BatchReader::pending() const noexcept {
  return m_queued.size() + (m_slots.size() - m_free_slots.size());
}

std::optional<ReadResult> BatchReader::next() {
  for (;;) {
    start_queued();
    if (m_engine->in_flight() == 0) {
      return std::nullopt;
    }
    if (auto result = complete(m_engine->wait())) {
      // Refill the freed slot before the caller spends time on the result.
      start_queued();
      return result;
    }
  }
}

void BatchReader::start_queued() {
  while (!m_queued.empty() && !m_free_slots.empty()) {
    const std::size_t index = m_free_slots.back();
    m_free_slots.pop_back();
    start(index, std::move(m_queued.front()));
    m_queued.pop_front();
  }
}

void BatchReader::start(std::size_t index, ReadRequest request) {
  Slot& slot = m_slots[index];
  slot.request = std::move(request);
  slot.busy = true;
  if (slot.request.fd >= 0) {
    slot.fd = slot.request.fd;
    slot.owns_fd = false;
    m_engine->start_read(slot.fd, slot.request.buffer, 0, index);
  } else {
    // The path string lives in the slot until the open completes. Never
    // through a link: the file may be in a directory another user owns.
    m_engine->start_open(slot.request.path.c_str(), O_RDONLY | O_NOCTTY | O_NOFOLLOW, index);
  }
}

std::optional<ReadResult> BatchReader::complete(const Completion& completion) {
  Slot& slot = m_slots[completion.token];
  if (slot.fd < 0) {
    if (completion.result < 0) {
      return finish(slot, 0,
                    IoError{"open", slot.request.path, static_cast<int>(-completion.result)});
    }
    slot.fd = static_cast<int>(completion.result);
    slot.owns_fd = true;
    m_engine->start_read(slot.fd, slot.request.buffer, 0, completion.token);
    return std::nullopt;
  }
  if (completion.result < 0) {
    return finish(slot, 0,
                  IoError{"read", slot.request.path, static_cast<int>(-completion.result)});
  }
  return finish(slot, static_cast<std::size_t>(completion.result), std::nullopt);
}

ReadResult BatchReader::finish(Slot& slot, std::size_t length, std::optional<IoError> error) {
  if (slot.owns_fd) {
    // A read-only regular file closes without waiting for the disk; doing it
    // here saves a ring round trip per file.
    ::close(slot.fd);
  }
  ReadResult result{std::move(slot.request), length, std::move(error)};
  slot = Slot{};
  m_free_slots.push_back(static_cast<std::size_t>(&slot - m_slots.data()));
  return result;
}

} // namespace cback::io
