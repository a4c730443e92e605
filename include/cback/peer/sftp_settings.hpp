#pragma once

// How stage reads a remote peer's files over SFTP (peer/sftp_connection.hpp).

#include <chrono>
#include <cstddef>

namespace cback::core {
class StopFlag;
}

namespace cback::peer {

struct SftpSettings {
  /// Bytes asked for per read request, 1 KiB to 64 KiB: OpenSSH's server
  /// answers at most 64 KiB of a larger read.
  std::size_t request_size = 65536;
  /// Read requests sent ahead per file.
  unsigned requests_in_flight = 32;
  /// An operation that receives nothing for this long fails the peer.
  std::chrono::milliseconds io_timeout{std::chrono::seconds(120)};
  /// A stop request ends the operation in progress at once; may be null.
  const core::StopFlag* stop = nullptr;
};

} // namespace cback::peer
