#include <cback/core/digest.hpp>

#include <cback/core/error.hpp>
#include <cback/core/unique_fd.hpp>

#include <openssl/evp.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace cback::core {

namespace {

EVP_MD_CTX* context(void* ctx) {
  return static_cast<EVP_MD_CTX*>(ctx);
}

} // namespace

Sha256::Sha256() {
  m_ctx = EVP_MD_CTX_new();
  if (m_ctx == nullptr || EVP_DigestInit_ex(context(m_ctx), EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(context(m_ctx));
    throw Error(ExitCode::action, "cannot start a SHA-256 digest");
  }
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(context(m_ctx));
}

Sha256::Sha256(Sha256&& other) noexcept : m_ctx(std::exchange(other.m_ctx, nullptr)) {}

Sha256& Sha256::operator=(Sha256&& other) noexcept {
  std::swap(m_ctx, other.m_ctx);
  return *this;
}

void Sha256::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(context(m_ctx), data, size);
}

Digest Sha256::finish() {
  Digest digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(context(m_ctx), digest.data(), &length);
  EVP_DigestInit_ex(context(m_ctx), EVP_sha256(), nullptr);
  return digest;
}

Digest sha256(std::string_view data) {
  Sha256 hash;
  hash.update(data.data(), data.size());
  return hash.finish();
}

tl::expected<Digest, std::string> sha256_file(const std::string& path) {
  const core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    return tl::unexpected(fmt::format("cannot open [{}]: {}", path,
                                      std::error_code(errno, std::generic_category()).message()));
  }
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const auto count = ::read(fd.get(), buffer.data(), buffer.size());
    if (count < 0 && errno == EINTR) {
      continue;
    }
    if (count < 0) {
      return tl::unexpected(fmt::format("cannot read [{}]: {}", path,
                                        std::error_code(errno, std::generic_category()).message()));
    }
    if (count == 0) {
      break;
    }
    hash.update(buffer.data(), static_cast<std::size_t>(count));
  }
  return hash.finish();
}

std::string to_hex(const Digest& digest) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (const auto byte : digest) {
    hex.push_back(k_digits[byte >> 4U]);
    hex.push_back(k_digits[byte & 0x0fU]);
  }
  return hex;
}

std::optional<Digest> digest_from_hex(std::string_view hex) {
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  Digest digest{};
  if (hex.size() != digest.size() * 2) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < digest.size(); ++i) {
    const int high = nibble(hex[2 * i]);
    const int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    digest[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return digest;
}

} // namespace cback::core
