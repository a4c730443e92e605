#pragma once

// A small tmpfs mounted for one test (a disc image's filesystem that fills
// up), unmounted at the end. Mounting needs root; mounted() says whether it
// worked and, when it did not, reports the part missing (a failure under
// CI=true, a skip otherwise).

#include "support/parts.hpp"

#include <sys/mount.h>

#include <filesystem>
#include <string>

namespace cback::test {

class SmallTmpfs {
public:
  /// Mounts a tmpfs of `size` ("512k", "2m") at `at`, created if need be;
  /// `more_options` are further mount options ("mode=0755").
  SmallTmpfs(const std::filesystem::path& at, const std::string& size,
             const std::string& more_options = "")
      : m_at(at) {
    std::filesystem::create_directories(at);
    const std::string options = "size=" + size + (more_options.empty() ? "" : "," + more_options);
    m_mounted = ::mount("tmpfs", at.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallTmpfs() {
    if (m_mounted) {
      ::umount2(m_at.c_str(), MNT_DETACH);
    }
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  [[nodiscard]] bool mounted() const {
    return m_mounted || report_missing_part("tmpfs mount", "mounting needs root");
  }

private:
  std::filesystem::path m_at;
  bool m_mounted = false;
};

} // namespace cback::test
