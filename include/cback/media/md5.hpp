#pragma once

// MD5 as libisofs computes it: the checksums a store records for the
// session and for each file it writes (session.cpp) are compared with ones
// computed here, by the same implementation.

#include <array>
#include <cstddef>

namespace cback::media {

using Md5 = std::array<char, 16>;

/// An MD5 in progress.
class Md5Context {
public:
  Md5Context();
  ~Md5Context();
  Md5Context(const Md5Context&) = delete;
  Md5Context& operator=(const Md5Context&) = delete;

  void add(const void* data, std::size_t size);
  /// The digest of everything added; the context is spent.
  Md5 finish();

private:
  void* m_context = nullptr;
};

} // namespace cback::media
