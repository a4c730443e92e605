#include <cback/s3/checksums.hpp>

#include <cback/core/error.hpp>

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <unistd.h>

#include <utility>

namespace cback::s3 {
namespace {

EVP_MD_CTX* context(void* ctx) {
  return static_cast<EVP_MD_CTX*>(ctx);
}

void init(void* ctx) {
  if (ctx == nullptr || EVP_DigestInit_ex(context(ctx), EVP_md5(), nullptr) != 1) {
    throw Error(ExitCode::action, "Cannot set up an MD5 digest (OpenSSL).");
  }
}

} // namespace

Md5::Md5() : m_ctx(EVP_MD_CTX_new()) {
  init(m_ctx);
}

Md5::~Md5() {
  EVP_MD_CTX_free(context(m_ctx));
}

Md5::Md5(Md5&& other) noexcept : m_ctx(std::exchange(other.m_ctx, nullptr)) {}

Md5& Md5::operator=(Md5&& other) noexcept {
  std::swap(m_ctx, other.m_ctx);
  return *this;
}

void Md5::update(std::span<const std::byte> data) {
  EVP_DigestUpdate(context(m_ctx), data.data(), data.size());
}

Md5Digest Md5::finish() {
  Md5Digest digest{};
  unsigned size = 0;
  EVP_DigestFinal_ex(context(m_ctx), digest.data(), &size);
  init(m_ctx);
  return digest;
}

Md5Digest md5(std::span<const std::byte> data) {
  Md5 digest;
  digest.update(data);
  return digest.finish();
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (const std::uint8_t byte : bytes) {
    text += k_digits[byte >> 4];
    text += k_digits[byte & 0x0f];
  }
  return text;
}

std::string base64(std::span<const std::uint8_t> bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), bytes.data(),
                                      static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(written));
  return text;
}

std::string single_etag(const Md5Digest& digest) {
  return "\"" + hex(digest) + "\"";
}

std::string multipart_etag(const std::vector<Md5Digest>& parts) {
  Md5 all;
  for (const auto& part : parts) {
    all.update(std::as_bytes(std::span(part)));
  }
  return "\"" + hex(all.finish()) + "-" + std::to_string(parts.size()) + "\"";
}

void EtagBuilder::update(std::span<const std::byte> data) {
  while (!data.empty()) {
    const std::size_t take = std::min(data.size(), m_part_size - m_in_part);
    m_part.update(data.first(take));
    m_in_part += take;
    data = data.subspan(take);
    if (m_in_part == m_part_size) {
      m_parts.push_back(m_part.finish());
      m_in_part = 0;
    }
  }
}

std::string EtagBuilder::finish() {
  // Fewer bytes than one part (none included) go in a single PUT.
  if (m_parts.empty()) {
    m_in_part = 0;
    return single_etag(m_part.finish());
  }
  if (m_in_part > 0) {
    m_parts.push_back(m_part.finish());
  }
  const std::string etag = multipart_etag(m_parts);
  m_parts.clear();
  m_in_part = 0;
  return etag;
}

std::string etag_of(int fd, std::size_t part_size, const std::string& name) {
  EtagBuilder etag(part_size);
  std::vector<std::byte> buffer(std::size_t{1} << 20);
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      throw Error(ExitCode::action,
                  fmt::format("Cannot read [{}]: {}", name, std::strerror(errno)));
    }
    if (got == 0) {
      return etag.finish();
    }
    etag.update(std::span(buffer).first(static_cast<std::size_t>(got)));
  }
}

} // namespace cback::s3
