#pragma once

// The checksums S3 speaks: the MD5 of a body (sent as Content-MD5 in
// base64, returned as the ETag of a single PUT in hex), the ETag of a
// multipart object (the MD5 of its parts' binary MD5s, hex, then "-" and
// the number of parts), and the SHA-256 of a body that SigV4 signs
// (x-amz-content-sha256). MD5 comes from OpenSSL's libcrypto, as SHA-256
// does in core::digest.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cback::s3 {

using Md5Digest = std::array<std::uint8_t, 16>;

/// Incremental MD5. Move-only; owns an OpenSSL digest context.
class Md5 {
public:
  Md5();
  ~Md5();
  Md5(Md5&& other) noexcept;
  Md5& operator=(Md5&& other) noexcept;
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  void update(std::span<const std::byte> data);
  /// The digest of everything updated so far; the object is then reset.
  Md5Digest finish();

private:
  void* m_ctx = nullptr; ///< EVP_MD_CTX*
};

Md5Digest md5(std::span<const std::byte> data);

/// Lowercase hex of any bytes.
std::string hex(std::span<const std::uint8_t> bytes);
/// Standard base64 (with padding) of any bytes: Content-MD5's form.
std::string base64(std::span<const std::uint8_t> bytes);

/// The ETag S3 gives an object uploaded in one PUT: the hex MD5, in quotes.
std::string single_etag(const Md5Digest& digest);
/// The ETag of an object uploaded in parts: the hex MD5 of the parts'
/// digests concatenated, then "-N", in quotes.
std::string multipart_etag(const std::vector<Md5Digest>& parts);

/// The ETag cback's upload of the bytes given gets: a single PUT when they
/// are fewer than part_size, otherwise parts of part_size bytes (the last
/// one shorter), as s3::Uploader sends them. Accumulates a file read in
/// order, chunk by chunk.
class EtagBuilder {
public:
  explicit EtagBuilder(std::size_t part_size) : m_part_size(part_size) {}
  void update(std::span<const std::byte> data);
  /// The ETag of everything updated, as single_etag or multipart_etag.
  std::string finish();

private:
  std::size_t m_part_size;
  std::size_t m_in_part = 0;
  Md5 m_part;
  std::vector<Md5Digest> m_parts;
};

/// The ETag (EtagBuilder) of what `fd` holds from its offset to its end,
/// read in 1 MiB blocks. Throws Error(action) naming `name`.
std::string etag_of(int fd, std::size_t part_size, const std::string& name);

} // namespace cback::s3
