#pragma once

// The client side of SFTP version 3 (the version OpenSSH speaks), as bytes:
// requests are encoded into an output string, replies are decoded from a
// byte stream that may arrive in pieces of any size. No I/O here; the
// connection that drives it over a non-blocking SSH channel is
// peer/sftp_connection.hpp.
//
// Every byte a server sends is hostile input: a packet longer than
// k_max_packet is refused before anything is buffered for it, every length
// and count inside a packet is checked against the bytes the packet really
// holds before it is used (nothing is reserved on a server's word), names
// and handles have their own limits, and a reply must end where its packet
// ends.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cback::peer::sftp {

inline constexpr std::uint32_t k_version = 3;
/// The most file data one DATA reply may carry; requests ask for at most
/// 64 KiB, so this leaves room for servers that answer with more framing.
inline constexpr std::size_t k_max_data = std::size_t{256} << 10;
/// The longest packet accepted (its length field: type byte and body):
/// k_max_data plus the type, the request id and the data's length.
inline constexpr std::size_t k_max_packet = k_max_data + 1 + 4 + 4;
/// The longest file name or long name accepted in a NAME reply.
inline constexpr std::size_t k_max_name = 4096;
/// The longest handle accepted (the protocol allows 256 bytes).
inline constexpr std::size_t k_max_handle = 256;

/// SSH_FXF_* flags of OPEN.
enum class OpenFlags : std::uint32_t {
  read = 0x01,
  write = 0x02,
  append = 0x04,
  create = 0x08,
  truncate = 0x10,
  exclusive = 0x20,
};
[[nodiscard]] constexpr OpenFlags operator|(OpenFlags a, OpenFlags b) {
  return static_cast<OpenFlags>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}

/// SSH_FX_* status codes; a server may send others, kept as their number.
enum class StatusCode : std::uint32_t {
  ok = 0,
  eof = 1,
  no_such_file = 2,
  permission_denied = 3,
  failure = 4,
  bad_message = 5,
  no_connection = 6,
  connection_lost = 7,
  unsupported = 8,
};

/// A file's attributes; each field is present when the server sent it.
/// Version 3 has no file type field: it is in the S_IFMT bits of
/// `permissions`.
struct Attributes {
  std::optional<std::uint64_t> size;
  std::optional<std::uint32_t> uid;
  std::optional<std::uint32_t> gid;
  std::optional<std::uint32_t> permissions;
  std::optional<std::uint32_t> atime;
  std::optional<std::uint32_t> mtime;

  /// Whether `permissions` is present and says a regular file.
  [[nodiscard]] bool regular() const;
  bool operator==(const Attributes&) const = default;
};

// Requests. Each appends one whole packet to `out`; `id` is the request id
// its reply will carry. Paths and handles are sent as given (contract: a
// path shorter than 4 GiB).
void encode_init(std::string& out);
void encode_open(std::string& out, std::uint32_t id, std::string_view path, OpenFlags flags,
                 const Attributes& attributes);
void encode_close(std::string& out, std::uint32_t id, std::string_view handle);
void encode_read(std::string& out, std::uint32_t id, std::string_view handle, std::uint64_t offset,
                 std::uint32_t length);
void encode_stat(std::string& out, std::uint32_t id, std::string_view path);
void encode_lstat(std::string& out, std::uint32_t id, std::string_view path);
void encode_opendir(std::string& out, std::uint32_t id, std::string_view path);
void encode_readdir(std::string& out, std::uint32_t id, std::string_view handle);

// Replies.
struct Version {
  std::uint32_t version = 0;
};
struct Status {
  std::uint32_t id = 0;
  std::uint32_t code = 0; ///< a StatusCode, or another number a server sent
  std::string message;    ///< the server's text (may be empty)

  [[nodiscard]] bool is(StatusCode wanted) const {
    return code == static_cast<std::uint32_t>(wanted);
  }
};
struct Handle {
  std::uint32_t id = 0;
  std::string handle;
};
/// File data; `bytes` points into the decoder and stays valid until the
/// decoder is next called.
struct Data {
  std::uint32_t id = 0;
  std::span<const std::byte> bytes;
};
struct Attrs {
  std::uint32_t id = 0;
  Attributes attributes;
};
struct NameEntry {
  std::string name; ///< as sent: may be anything but longer than k_max_name
  Attributes attributes;
};
struct Name {
  std::uint32_t id = 0;
  std::vector<NameEntry> entries;
};
using Reply = std::variant<Version, Status, Handle, Data, Attrs, Name>;

/// A server that broke the protocol; what() says how.
class ProtocolError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Splits a byte stream into replies. Bytes are written straight into the
/// decoder (prepare/commit), so a channel read needs no copy of its own.
/// Memory is bounded by k_max_packet plus what one commit adds.
class Decoder {
public:
  /// Room for at least `size` more bytes at the end of the stream, to be
  /// filled and then committed.
  [[nodiscard]] std::span<std::byte> prepare(std::size_t size);
  /// Adds `size` bytes written into the last prepare()'s room. Contract:
  /// size <= that room's size.
  void commit(std::size_t size);
  /// prepare + copy + commit.
  void feed(std::span<const std::byte> bytes);

  /// The next whole reply, or nothing until more bytes come. Throws
  /// ProtocolError on a packet that is too long, of an unknown type or
  /// malformed; the stream is then unusable.
  [[nodiscard]] std::optional<Reply> next();

  /// Bytes received and not yet decoded.
  [[nodiscard]] std::size_t buffered() const { return m_end - m_start; }

private:
  std::vector<std::byte> m_buffer;
  std::size_t m_start = 0; ///< first byte not yet decoded
  std::size_t m_end = 0;   ///< one past the last byte received
};

} // namespace cback::peer::sftp
