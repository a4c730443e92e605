#include <cback/io/batch_reader.hpp>

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
  start_queued();
  if (m_engine->in_flight() == 0) {
    return std::nullopt;
  }
  auto result = complete(m_engine->wait());
  // Refill the freed slot before the caller spends time on the result.
  start_queued();
  return result;
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
  m_engine->start_read(slot.request.fd, slot.request.buffer, 0, index);
}

ReadResult BatchReader::complete(const Completion& completion) {
  Slot& slot = m_slots[completion.token];
  if (completion.result < 0) {
    return finish(slot, 0,
                  IoError{"read", slot.request.path, static_cast<int>(-completion.result)});
  }
  return finish(slot, static_cast<std::size_t>(completion.result), std::nullopt);
}

ReadResult BatchReader::finish(Slot& slot, std::size_t length, std::optional<IoError> error) {
  ReadResult result{std::move(slot.request), length, std::move(error)};
  slot = Slot{};
  m_free_slots.push_back(static_cast<std::size_t>(&slot - m_slots.data()));
  return result;
}

} // namespace cback::io
