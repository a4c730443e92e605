#include <cback/media/md5.hpp>

#include <cback/media/iso_image.hpp>

#include <algorithm>
#include <climits>

namespace cback::media {

Md5Context::Md5Context() {
  iso_md5_start(&m_context);
}

Md5Context::~Md5Context() {
  if (m_context != nullptr) {
    Md5 ignored{};
    iso_md5_end(&m_context, ignored.data());
  }
}

void Md5Context::add(const void* data, std::size_t size) {
  // iso_md5_compute takes an int count and a non-const pointer it only reads.
  auto* bytes = static_cast<char*>(const_cast<void*>(data));
  while (size > 0) {
    const std::size_t part = std::min<std::size_t>(size, INT_MAX);
    iso_md5_compute(m_context, bytes, static_cast<int>(part));
    bytes += part;
    size -= part;
  }
}

Md5 Md5Context::finish() {
  Md5 result{};
  iso_md5_end(&m_context, result.data());
  m_context = nullptr;
  return result;
}

} // namespace cback::media
