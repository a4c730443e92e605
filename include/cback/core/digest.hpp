#pragma once

// SHA-256 digests: archives in the manifest, staged files, the state's
// checksum and the optional content-hash mode of incremental collects. SHA-256 comes from OpenSSL's
// libcrypto (Debian libssl3, already installed with libssh): it runs on the CPU's SHA extensions
// where present, and users can check a value with sha256sum.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace cback::core {

using Digest = std::array<std::uint8_t, 32>;

/// Incremental SHA-256. Move-only; owns an OpenSSL digest context.
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&& other) noexcept;
  Sha256& operator=(Sha256&& other) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  /// The digest of everything updated so far; the object is then reset.
  Digest finish();

private:
  void* m_ctx = nullptr; ///< EVP_MD_CTX*
};

Digest sha256(std::string_view data);

/// Digest of a file's content, read in 1 MiB blocks without following a
/// final symlink. The error names the path and the errno text.
tl::expected<Digest, std::string> sha256_file(const std::string& path);

/// 64 lowercase hex characters.
std::string to_hex(const Digest& digest);
/// Parses 64 hex characters (either case).
std::optional<Digest> digest_from_hex(std::string_view hex);

} // namespace cback::core
