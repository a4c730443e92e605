#include <cback/peer/sftp_protocol.hpp>

#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

namespace cback::peer::sftp {
namespace {

// Packet types (SSH_FXP_*).
enum class Type : std::uint8_t {
  init = 1,
  version = 2,
  open = 3,
  close = 4,
  read = 5,
  lstat = 7,
  opendir = 11,
  readdir = 12,
  stat = 17,
  status = 101,
  handle = 102,
  data = 103,
  name = 104,
  attrs = 105,
};

// SSH_FILEXFER_ATTR_* flags.
constexpr std::uint32_t k_attr_size = 0x1;
constexpr std::uint32_t k_attr_uidgid = 0x2;
constexpr std::uint32_t k_attr_permissions = 0x4;
constexpr std::uint32_t k_attr_acmodtime = 0x8;
constexpr std::uint32_t k_attr_extended = 0x80000000;

// The smallest a NAME entry can be: two empty strings and attribute flags.
constexpr std::size_t k_min_name_entry = 4 + 4 + 4;

/// Builds one packet: its length is filled in by finish().
class Writer {
public:
  Writer(std::string& out, Type type) : m_out(out), m_start(out.size()) {
    u32(0);
    m_out.push_back(static_cast<char>(type));
  }

  Writer& u32(std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      m_out.push_back(static_cast<char>((value >> shift) & 0xFFU));
    }
    return *this;
  }
  Writer& u64(std::uint64_t value) {
    u32(static_cast<std::uint32_t>(value >> 32));
    return u32(static_cast<std::uint32_t>(value));
  }
  Writer& string(std::string_view value) {
    u32(static_cast<std::uint32_t>(value.size()));
    m_out.append(value);
    return *this;
  }
  Writer& attributes(const Attributes& attributes) {
    const std::uint32_t flags = (attributes.size ? k_attr_size : 0U) |
                                (attributes.uid && attributes.gid ? k_attr_uidgid : 0U) |
                                (attributes.permissions ? k_attr_permissions : 0U) |
                                (attributes.atime && attributes.mtime ? k_attr_acmodtime : 0U);
    u32(flags);
    if ((flags & k_attr_size) != 0) {
      u64(*attributes.size);
    }
    if ((flags & k_attr_uidgid) != 0) {
      u32(*attributes.uid).u32(*attributes.gid);
    }
    if ((flags & k_attr_permissions) != 0) {
      u32(*attributes.permissions);
    }
    if ((flags & k_attr_acmodtime) != 0) {
      u32(*attributes.atime).u32(*attributes.mtime);
    }
    return *this;
  }

  void finish() {
    const auto length = static_cast<std::uint32_t>(m_out.size() - m_start - 4);
    for (std::size_t i = 0; i < 4; ++i) {
      m_out[m_start + i] = static_cast<char>((length >> (24 - 8 * i)) & 0xFFU);
    }
  }

private:
  std::string& m_out;
  std::size_t m_start;
};

void path_request(std::string& out, Type type, std::uint32_t id, std::string_view path) {
  Writer writer(out, type);
  writer.u32(id).string(path);
  writer.finish();
}

/// Reads the fields of one packet body; every read is checked against what
/// is left, so no length a server sends is trusted.
class Reader {
public:
  explicit Reader(std::span<const std::byte> body) : m_body(body) {}

  [[nodiscard]] std::size_t left() const { return m_body.size() - m_at; }

  std::uint32_t u32(std::string_view what) {
    const auto bytes = take(4, what);
    std::uint32_t value = 0;
    for (const auto byte : bytes) {
      value = (value << 8) | static_cast<std::uint8_t>(byte);
    }
    return value;
  }
  std::uint64_t u64(std::string_view what) {
    const std::uint64_t high = u32(what);
    return (high << 32) | u32(what);
  }
  std::span<const std::byte> bytes(std::size_t limit, std::string_view what) {
    const std::uint32_t length = u32(what);
    if (length > limit) {
      throw ProtocolError(
          fmt::format("{} of {} bytes exceeds the limit of {}", what, length, limit));
    }
    return take(length, what);
  }
  std::string string(std::size_t limit, std::string_view what) {
    const auto value = bytes(limit, what);
    return {reinterpret_cast<const char*>(value.data()), value.size()};
  }
  void skip_string(std::string_view what) { static_cast<void>(bytes(left(), what)); }

  Attributes attributes() {
    Attributes attributes;
    const std::uint32_t flags = u32("attribute flags");
    if ((flags & k_attr_size) != 0) {
      attributes.size = u64("size");
    }
    if ((flags & k_attr_uidgid) != 0) {
      attributes.uid = u32("uid");
      attributes.gid = u32("gid");
    }
    if ((flags & k_attr_permissions) != 0) {
      attributes.permissions = u32("permissions");
    }
    if ((flags & k_attr_acmodtime) != 0) {
      attributes.atime = u32("atime");
      attributes.mtime = u32("mtime");
    }
    if ((flags & k_attr_extended) != 0) {
      // Each extension is two strings; the count cannot exceed what the
      // packet holds, and the loop reads only what is there.
      const std::uint32_t count = u32("extension count");
      for (std::uint32_t i = 0; i < count; ++i) {
        skip_string("extension name");
        skip_string("extension data");
      }
    }
    return attributes;
  }

  void end(std::string_view what) const {
    if (left() != 0) {
      throw ProtocolError(fmt::format("{} has {} bytes past its end", what, left()));
    }
  }

private:
  std::span<const std::byte> take(std::size_t size, std::string_view what) {
    if (size > left()) {
      throw ProtocolError(fmt::format("{} runs past the end of its packet", what));
    }
    const auto part = m_body.subspan(m_at, size);
    m_at += size;
    return part;
  }

  std::span<const std::byte> m_body;
  std::size_t m_at = 0;
};

Version decode_version(Reader& reader) {
  Version version{reader.u32("version")};
  // Extension pairs follow; none is used.
  while (reader.left() > 0) {
    reader.skip_string("extension name");
    reader.skip_string("extension data");
  }
  return version;
}

// Version 3 servers send the message and language tag; some older ones send
// the code alone, so both strings may be missing (but not half of one).
Status decode_status(Reader& reader) {
  Status status;
  status.id = reader.u32("request id");
  status.code = reader.u32("status code");
  if (reader.left() > 0) {
    status.message = reader.string(k_max_name, "status message");
    if (reader.left() > 0) {
      reader.skip_string("language tag");
    }
  }
  reader.end("STATUS");
  return status;
}

Handle decode_handle(Reader& reader) {
  Handle handle;
  handle.id = reader.u32("request id");
  handle.handle = reader.string(k_max_handle, "handle");
  reader.end("HANDLE");
  return handle;
}

Data decode_data(Reader& reader) {
  Data data;
  data.id = reader.u32("request id");
  data.bytes = reader.bytes(k_max_data, "data");
  reader.end("DATA");
  return data;
}

Attrs decode_attrs(Reader& reader) {
  Attrs attrs;
  attrs.id = reader.u32("request id");
  attrs.attributes = reader.attributes();
  reader.end("ATTRS");
  return attrs;
}

Name decode_name(Reader& reader) {
  Name name;
  name.id = reader.u32("request id");
  const std::uint32_t count = reader.u32("name count");
  if (count > reader.left() / k_min_name_entry) {
    throw ProtocolError(fmt::format("NAME lists {} entries in {} bytes", count, reader.left()));
  }
  name.entries.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    NameEntry entry;
    entry.name = reader.string(k_max_name, "file name");
    reader.skip_string("long name");
    entry.attributes = reader.attributes();
    name.entries.push_back(std::move(entry));
  }
  reader.end("NAME");
  return name;
}

Reply decode(Type type, Reader& reader) {
  switch (type) {
  case Type::version:
    return decode_version(reader);
  case Type::status:
    return decode_status(reader);
  case Type::handle:
    return decode_handle(reader);
  case Type::data:
    return decode_data(reader);
  case Type::attrs:
    return decode_attrs(reader);
  case Type::name:
    return decode_name(reader);
  default:
    break;
  }
  throw ProtocolError(fmt::format("unexpected packet type {}", static_cast<unsigned>(type)));
}

std::uint32_t read_u32(const std::byte* bytes) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<std::uint8_t>(bytes[i]);
  }
  return value;
}

} // namespace

bool Attributes::regular() const {
  return permissions && (*permissions & S_IFMT) == S_IFREG;
}

void encode_init(std::string& out) {
  Writer writer(out, Type::init);
  writer.u32(k_version);
  writer.finish();
}

void encode_open(std::string& out, std::uint32_t id, std::string_view path, OpenFlags flags,
                 const Attributes& attributes) {
  Writer writer(out, Type::open);
  writer.u32(id).string(path).u32(static_cast<std::uint32_t>(flags)).attributes(attributes);
  writer.finish();
}

void encode_close(std::string& out, std::uint32_t id, std::string_view handle) {
  path_request(out, Type::close, id, handle);
}

void encode_read(std::string& out, std::uint32_t id, std::string_view handle, std::uint64_t offset,
                 std::uint32_t length) {
  Writer writer(out, Type::read);
  writer.u32(id).string(handle).u64(offset).u32(length);
  writer.finish();
}

void encode_stat(std::string& out, std::uint32_t id, std::string_view path) {
  path_request(out, Type::stat, id, path);
}

void encode_lstat(std::string& out, std::uint32_t id, std::string_view path) {
  path_request(out, Type::lstat, id, path);
}

void encode_opendir(std::string& out, std::uint32_t id, std::string_view path) {
  path_request(out, Type::opendir, id, path);
}

void encode_readdir(std::string& out, std::uint32_t id, std::string_view handle) {
  path_request(out, Type::readdir, id, handle);
}

// The buffer is compacted only when what is left to decode sits past its
// middle, so bytes move at most once per packet on average; a DATA reply is
// decoded in place.
std::span<std::byte> Decoder::prepare(std::size_t size) {
  if (m_start == m_end) {
    m_start = m_end = 0;
  } else if (m_start > m_buffer.size() / 2) {
    std::memmove(m_buffer.data(), m_buffer.data() + m_start, m_end - m_start);
    m_end -= m_start;
    m_start = 0;
  }
  if (m_buffer.size() - m_end < size) {
    m_buffer.resize(m_end + size);
  }
  return {m_buffer.data() + m_end, size};
}

void Decoder::commit(std::size_t size) {
  m_end += size;
}

void Decoder::feed(std::span<const std::byte> bytes) {
  const auto room = prepare(bytes.size());
  std::copy(bytes.begin(), bytes.end(), room.begin());
  commit(bytes.size());
}

std::optional<Reply> Decoder::next() {
  if (buffered() < 4) {
    return std::nullopt;
  }
  const std::uint32_t length = read_u32(m_buffer.data() + m_start);
  if (length == 0 || length > k_max_packet) {
    throw ProtocolError(
        fmt::format("a packet of {} bytes (the limit is {})", length, k_max_packet));
  }
  if (buffered() - 4 < length) {
    return std::nullopt;
  }
  const auto body = std::span<const std::byte>(m_buffer).subspan(m_start + 4, length);
  m_start += 4 + std::size_t{length};
  Reader reader(body.subspan(1));
  return decode(static_cast<Type>(std::to_integer<std::uint8_t>(body[0])), reader);
}

} // namespace cback::peer::sftp
