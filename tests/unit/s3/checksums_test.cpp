#include <cback/s3/checksums.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace cback::s3 {
namespace {

std::span<const std::byte> bytes(const std::string& text) {
  return std::as_bytes(std::span(text));
}

} // namespace

TEST_CASE("MD5 digests are given in hex for ETags and in base64 for Content-MD5", "[s3]") {
  // RFC 1321's test vector.
  const auto digest = md5(bytes("abc"));
  CHECK(hex(digest) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(single_etag(digest) == "\"900150983cd24fb0d6963f7d28e17f72\"");
  CHECK(base64(digest) == "kAFQmDzST7DWlj99KOF/cg==");
  CHECK(hex(md5(bytes(""))) == "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_CASE("A multipart ETag is the MD5 of the parts' MD5s and the number of parts", "[s3]") {
  const std::string part1(10, 'a');
  const std::string part2 = "bcd";
  const auto d1 = md5(bytes(part1));
  const auto d2 = md5(bytes(part2));
  std::string both(d1.begin(), d1.end());
  both.append(d2.begin(), d2.end());
  CHECK(multipart_etag({d1, d2}) == "\"" + hex(md5(bytes(both))) + "-2\"");
}

TEST_CASE("EtagBuilder gives a single ETag below one part and a multipart one from a part on",
          "[s3]") {
  const std::string data = "0123456789abcdefghij"; // 20 bytes
  SECTION("fewer bytes than a part: a single PUT") {
    EtagBuilder builder(32);
    builder.update(bytes(data));
    CHECK(builder.finish() == single_etag(md5(bytes(data))));
  }
  SECTION("exactly one part: a multipart upload of one part") {
    EtagBuilder builder(20);
    builder.update(bytes(data));
    CHECK(builder.finish() == multipart_etag({md5(bytes(data))}));
  }
  SECTION("chunks that straddle parts give the ETag of 8-byte parts") {
    EtagBuilder builder(8);
    builder.update(bytes(data.substr(0, 5)));
    builder.update(bytes(data.substr(5, 9)));
    builder.update(bytes(data.substr(14)));
    CHECK(builder.finish() ==
          multipart_etag({md5(bytes(data.substr(0, 8))), md5(bytes(data.substr(8, 8))),
                          md5(bytes(data.substr(16)))}));
  }
  SECTION("nothing: the ETag of an empty object") {
    EtagBuilder builder(8);
    CHECK(builder.finish() == "\"d41d8cd98f00b204e9800998ecf8427e\"");
  }
}

} // namespace cback::s3
