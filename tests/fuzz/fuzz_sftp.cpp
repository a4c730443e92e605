// libFuzzer entry point: any byte stream given to the SFTP reply decoder,
// cut into pieces of any size, decodes or throws ProtocolError; it never
// crashes, overflows or buffers more than one packet's worth.

#include <cback/peer/sftp_protocol.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  // The first byte sets the size of the pieces the rest arrives in.
  const std::size_t piece = std::size_t{data[0]} + 1;
  const std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  cback::peer::sftp::Decoder decoder;
  try {
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      decoder.feed(stream.subspan(at, std::min(piece, stream.size() - at)));
      while (decoder.next()) {
      }
      if (decoder.buffered() > cback::peer::sftp::k_max_packet + 4) {
        __builtin_trap();
      }
    }
  } catch (const cback::peer::sftp::ProtocolError&) {
  }
  return 0;
}
