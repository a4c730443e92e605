// The SFTP v3 codec: requests as exact bytes, replies decoded from a stream
// cut anywhere, and hostile replies (too long, truncated, lying counts and
// lengths, unknown types, trailing bytes) refused before anything is
// allocated on their word.

#include <cback/peer/sftp_protocol.hpp>

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstring>
#include <string>
#include <vector>

namespace sftp = cback::peer::sftp;

namespace {

/// A server's packet, written field by field as a server would.
class Packet {
public:
  explicit Packet(std::uint8_t type) { m_body.push_back(static_cast<char>(type)); }
  Packet& u32(std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      m_body.push_back(static_cast<char>((value >> shift) & 0xFFU));
    }
    return *this;
  }
  Packet& u64(std::uint64_t value) {
    return u32(static_cast<std::uint32_t>(value >> 32)).u32(static_cast<std::uint32_t>(value));
  }
  Packet& string(const std::string& value) {
    u32(static_cast<std::uint32_t>(value.size()));
    m_body += value;
    return *this;
  }
  /// The whole packet, its length field saying `length` (default: the truth).
  [[nodiscard]] std::string bytes(std::optional<std::uint32_t> length = std::nullopt) const {
    Packet framed(0);
    framed.m_body.clear();
    framed.u32(length.value_or(static_cast<std::uint32_t>(m_body.size())));
    return framed.m_body + m_body;
  }

private:
  std::string m_body;
};

std::span<const std::byte> as_bytes(const std::string& text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

std::string as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// Every reply in `stream`, fed `piece` bytes at a time; DATA replies are
/// kept as text (their span dies with the next call).
struct Decoded {
  std::vector<sftp::Reply> replies;
  std::vector<std::string> data;
};

Decoded decode_all(const std::string& stream, std::size_t piece) {
  sftp::Decoder decoder;
  Decoded decoded;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    decoder.feed(as_bytes(stream.substr(at, piece)));
    while (auto reply = decoder.next()) {
      if (const auto* data = std::get_if<sftp::Data>(&*reply)) {
        decoded.data.push_back(as_text(data->bytes));
      }
      decoded.replies.push_back(std::move(*reply));
    }
  }
  CHECK(decoder.buffered() == 0);
  return decoded;
}

/// The ProtocolError message of decoding `stream` fed whole.
std::string refusal(const std::string& stream) {
  sftp::Decoder decoder;
  decoder.feed(as_bytes(stream));
  try {
    while (decoder.next()) {
    }
  } catch (const sftp::ProtocolError& error) {
    return error.what();
  }
  FAIL("the stream was accepted");
  return {};
}

constexpr std::uint8_t k_status = 101;
constexpr std::uint8_t k_handle = 102;
constexpr std::uint8_t k_data = 103;
constexpr std::uint8_t k_name = 104;
constexpr std::uint8_t k_attrs = 105;

} // namespace

TEST_CASE("Requests are encoded as the protocol lays them out", "[peer][sftp]") {
  std::string out;
  sftp::encode_init(out);
  CHECK(out == std::string("\0\0\0\x05\x01\0\0\0\x03", 9));

  out.clear();
  sftp::encode_read(out, 7, "h1", 0x0102030405060708, 65536);
  CHECK(out == std::string("\0\0\0\x17\x05"
                           "\0\0\0\x07"
                           "\0\0\0\x02h1"
                           "\x01\x02\x03\x04\x05\x06\x07\x08"
                           "\0\x01\0\0",
                           27));

  out.clear();
  sftp::Attributes mode;
  mode.permissions = 0644;
  sftp::encode_open(out, 2, "/c/cback.stage",
                    sftp::OpenFlags::write | sftp::OpenFlags::create | sftp::OpenFlags::truncate,
                    mode);
  CHECK(out == std::string("\0\0\0\x23\x03"
                           "\0\0\0\x02"
                           "\0\0\0\x0e/c/cback.stage"
                           "\0\0\0\x1a"
                           "\0\0\0\x04"
                           "\0\0\x01\xa4",
                           39));

  // Requests append: a pipeline of them goes out in one write.
  out.clear();
  sftp::encode_stat(out, 1, "a");
  sftp::encode_lstat(out, 2, "b");
  sftp::encode_opendir(out, 3, "c");
  sftp::encode_readdir(out, 4, "d");
  sftp::encode_close(out, 5, "e");
  CHECK(out.size() == 5 * 14);
  const std::vector<std::uint8_t> types = {17, 7, 11, 12, 4};
  for (std::size_t i = 0; i < types.size(); ++i) {
    CHECK(static_cast<std::uint8_t>(out[i * 14 + 4]) == types[i]);
    CHECK(static_cast<std::size_t>(out[i * 14 + 8]) == i + 1);
  }
}

TEST_CASE("Replies decode the same whatever pieces the stream arrives in", "[peer][sftp]") {
  const std::string payload(70000, 'x');
  const std::string stream =
      Packet(2).u32(3).string("limits@openssh.com").string("1").bytes() +
      Packet(k_handle).u32(1).string(std::string("\0\xff", 2)).bytes() +
      Packet(k_data).u32(2).string(payload).bytes() +
      Packet(k_status).u32(3).u32(1).string("End of file").string("").bytes() +
      Packet(k_attrs)
          .u32(4)
          .u32(0x1 | 0x2 | 0x4 | 0x8)
          .u64(1U << 20)
          .u32(10)
          .u32(20)
          .u32(S_IFREG | 0640)
          .u32(100)
          .u32(200)
          .bytes() +
      Packet(k_name)
          .u32(5)
          .u32(2)
          .string("a.tar")
          .string("-rw-r--r-- 1 a a 3 a.tar")
          .u32(0x1 | 0x4)
          .u64(3)
          .u32(S_IFREG | 0644)
          .string("sub")
          .string("")
          .u32(0x4 | 0x80000000)
          .u32(S_IFDIR | 0755)
          .u32(1)
          .string("x@y")
          .string("z")
          .bytes() +
      Packet(k_status).u32(6).u32(0).bytes(); // no message: older servers

  for (const std::size_t piece :
       {std::size_t{1}, std::size_t{3}, std::size_t{4096}, stream.size()}) {
    INFO("pieces of " << piece << " bytes");
    const auto decoded = decode_all(stream, piece);
    REQUIRE(decoded.replies.size() == 7);
    CHECK(std::get<sftp::Version>(decoded.replies[0]).version == 3);
    CHECK(std::get<sftp::Handle>(decoded.replies[1]).handle == std::string("\0\xff", 2));
    CHECK(std::get<sftp::Data>(decoded.replies[2]).id == 2);
    REQUIRE(decoded.data.size() == 1);
    CHECK(decoded.data[0] == payload);
    const auto& status = std::get<sftp::Status>(decoded.replies[3]);
    CHECK(status.is(sftp::StatusCode::eof));
    CHECK(status.message == "End of file");
    const auto& attributes = std::get<sftp::Attrs>(decoded.replies[4]).attributes;
    CHECK(attributes.size == 1U << 20);
    CHECK(attributes.uid == 10U);
    CHECK(attributes.gid == 20U);
    CHECK(attributes.regular());
    CHECK(attributes.mtime == 200U);
    const auto& name = std::get<sftp::Name>(decoded.replies[5]);
    REQUIRE(name.entries.size() == 2);
    CHECK(name.entries[0].name == "a.tar");
    CHECK(name.entries[0].attributes.size == 3U);
    CHECK(name.entries[0].attributes.regular());
    CHECK(name.entries[1].name == "sub");
    CHECK_FALSE(name.entries[1].attributes.regular());
    CHECK_FALSE(name.entries[1].attributes.size);
    const auto& bare = std::get<sftp::Status>(decoded.replies[6]);
    CHECK(bare.is(sftp::StatusCode::ok));
    CHECK(bare.message.empty());
  }
}

TEST_CASE("A partial packet waits for the rest", "[peer][sftp]") {
  const auto packet = Packet(k_handle).u32(9).string("h").bytes();
  sftp::Decoder decoder;
  decoder.feed(as_bytes(packet.substr(0, packet.size() - 1)));
  CHECK_FALSE(decoder.next());
  CHECK(decoder.buffered() == packet.size() - 1);
  decoder.feed(as_bytes(packet.substr(packet.size() - 1)));
  const auto reply = decoder.next();
  REQUIRE(reply);
  CHECK(std::get<sftp::Handle>(*reply).id == 9);
  CHECK_FALSE(decoder.next());
}

TEST_CASE("A packet longer than the limit is refused from its length alone", "[peer][sftp]") {
  // Only the length field has come: nothing is buffered for the body.
  sftp::Decoder decoder;
  decoder.feed(
      as_bytes(Packet(0).bytes(static_cast<std::uint32_t>(sftp::k_max_packet + 1)).substr(0, 4)));
  CHECK_THROWS_AS(decoder.next(), sftp::ProtocolError);
  CHECK(decoder.buffered() == 4);

  CHECK_THAT(refusal(Packet(k_data).u32(1).bytes(0xFFFFFFFF)), Catch::Contains("limit"));
  CHECK_THAT(refusal(std::string(4, '\0')), Catch::Contains("a packet of 0 bytes"));
}

TEST_CASE("Data up to the limit is taken and beyond it refused", "[peer][sftp]") {
  const std::string most(sftp::k_max_data, 'd');
  const auto decoded = decode_all(Packet(k_data).u32(1).string(most).bytes(), 65536);
  REQUIRE(decoded.data.size() == 1);
  CHECK(decoded.data[0] == most);

  // The packet fits, the data length inside it claims more than the limit.
  CHECK_THAT(refusal(Packet(k_data).u32(1).u32(sftp::k_max_data + 1).string("").bytes()),
             Catch::Contains("data of 262145 bytes exceeds the limit"));
}

TEST_CASE("Lengths and counts that run past their packet are refused", "[peer][sftp]") {
  SECTION("a string longer than its packet") {
    CHECK_THAT(refusal(Packet(k_handle).u32(1).u32(200).string("short").bytes()),
               Catch::Contains("runs past the end of its packet"));
  }
  SECTION("a packet shorter than its fixed fields") {
    CHECK_THAT(refusal(Packet(k_status).u32(1).bytes()), Catch::Contains("status code runs past"));
    CHECK_THAT(refusal(Packet(k_attrs).u32(1).u32(0x1).u32(0).bytes()),
               Catch::Contains("size runs past"));
  }
  SECTION("a NAME count the packet cannot hold, before anything is reserved") {
    CHECK_THAT(refusal(Packet(k_name).u32(1).u32(0xFFFFFFFF).string("a").string("").u32(0).bytes()),
               Catch::Contains("NAME lists 4294967295 entries"));
  }
  SECTION("a NAME count larger than the entries that follow") {
    CHECK_THAT(
        refusal(Packet(k_name).u32(1).u32(2).string("a").string("").u32(0).u32(100).u64(0).bytes()),
        Catch::Contains("file name runs past the end"));
  }
  SECTION("an extension count larger than the packet") {
    CHECK_THAT(refusal(Packet(k_attrs).u32(1).u32(0x80000000).u32(1000000).bytes()),
               Catch::Contains("extension name runs past"));
  }
  SECTION("bytes past the last field") {
    CHECK_THAT(refusal(Packet(k_handle).u32(1).string("h").u32(0).bytes()),
               Catch::Contains("HANDLE has 4 bytes past its end"));
  }
}

TEST_CASE("Names and handles over their limits are refused", "[peer][sftp]") {
  const std::string long_name(sftp::k_max_name + 1, 'n');
  CHECK_THAT(refusal(Packet(k_name).u32(1).u32(1).string(long_name).string("").u32(0).bytes()),
             Catch::Contains("file name of 4097 bytes exceeds the limit of 4096"));
  const std::string long_handle(sftp::k_max_handle + 1, 'h');
  CHECK_THAT(refusal(Packet(k_handle).u32(1).string(long_handle).bytes()),
             Catch::Contains("handle of 257 bytes"));
}

TEST_CASE("A packet type a client never receives is refused", "[peer][sftp]") {
  CHECK_THAT(refusal(Packet(5).u32(1).bytes()), Catch::Contains("unexpected packet type 5"));
  CHECK_THAT(refusal(Packet(201).u32(1).bytes()), Catch::Contains("unexpected packet type 201"));
}
