#pragma once

// check_data without mounting (docs/compatibility.md, "check_data"): the
// written session is read back through libisoburn/libisofs. Every file
// below each graft point is read from the medium and its MD5 compared with
// the MD5 recorded in the image and with the MD5 of the staged file; the
// sets of file names must be equal. The session's own MD5 tag is checked
// over the session's blocks.

#include <cback/media/session.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cback::core {
class Logger;
}

namespace cback::media {

struct VerifyReport {
  std::size_t files = 0;
  std::int64_t bytes = 0;
  bool session_md5 = false; ///< the session MD5 tag was found and matched
};

/// Verifies the newest session on `address` against `grafts`. Throws
/// cback::Error(action) naming the drive (`name`, default the address) and
/// every file that differs, is missing on the disc or is extra there, or
/// the session when its MD5 does not match.
VerifyReport verify_session(const std::string& address, const std::vector<Graft>& grafts,
                            core::Logger& log, const std::string& name = {});

} // namespace cback::media
