#include <cback/collect/naming.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

namespace cback::collect {

namespace {

// The code points Python's `\s` matches in a str pattern (the original ran
// re.sub(r"\s", "_") on the decoded file name).
constexpr std::array<std::uint32_t, 29> k_whitespace = {
    0x09,   0x0a,   0x0b,   0x0c,   0x0d,   0x1c,   0x1d,   0x1e,   0x1f,   0x20,
    0x85,   0xa0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
    0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000};

struct Decoded {
  std::uint32_t code_point;
  std::size_t length;
};

// One strict UTF-8 sequence at the start of `text` (no overlongs, no
// surrogates, ≤ U+10FFFF), as Python's decoder accepts; nothing if the bytes
// are not one (Python then keeps them as escaped bytes).
std::optional<Decoded> decode_utf8(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte(0);
  std::size_t length = 0;
  std::uint32_t code_point = 0;
  std::uint32_t minimum = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, code_point = lead & 0x1fU, minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, code_point = lead & 0x0fU, minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, code_point = lead & 0x07U, minimum = 0x10000;
  } else {
    return std::nullopt;
  }
  if (text.size() < length) {
    return std::nullopt;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xc0U) != 0x80) {
      return std::nullopt;
    }
    code_point = (code_point << 6U) | (byte(i) & 0x3fU);
  }
  if (code_point < minimum || code_point > 0x10ffff ||
      (code_point >= 0xd800 && code_point <= 0xdfff)) {
    return std::nullopt;
  }
  return Decoded{code_point, length};
}

bool is_drive_prefix(std::string_view path) {
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  return path.size() >= 3 && letter(path[0]) && path[1] == ':' &&
         (path[2] == '/' || path[2] == '\\');
}

// The leading rules, in the original's order: drive letter, one '/', one
// '\', a leading '.'.
std::string apply_leading_rules(std::string_view path) {
  std::string head;
  if (is_drive_prefix(path)) {
    head.push_back(path[0]);
    head.push_back('-');
    path.remove_prefix(3);
    return head.append(path);
  }
  if (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  if (!path.empty() && path.front() == '\\') {
    path.remove_prefix(1);
  }
  if (!path.empty() && path.front() == '.') {
    head.push_back('_');
    path.remove_prefix(1);
  }
  return head.append(path);
}

} // namespace

std::string normalized_name(std::string_view abs_path) {
  if (abs_path.empty()) {
    return {};
  }
  if (abs_path == "/" || abs_path == "\\") {
    return "_";
  }
  const std::string text = apply_leading_rules(abs_path);
  std::string result;
  result.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '/' || c == '\\') {
      result.push_back('-');
    } else if (c == ':') {
      result.push_back('_');
    } else if (static_cast<std::uint8_t>(c) < 0x80) {
      const bool space = std::find(k_whitespace.begin(), k_whitespace.end(),
                                   static_cast<std::uint32_t>(c)) != k_whitespace.end();
      result.push_back(space ? '_' : c);
    } else if (const auto decoded = decode_utf8(std::string_view(text).substr(i))) {
      const bool space = std::find(k_whitespace.begin(), k_whitespace.end(), decoded->code_point) !=
                         k_whitespace.end();
      if (space) {
        result.push_back('_');
      } else {
        result.append(text, i, decoded->length);
      }
      i += decoded->length;
      continue;
    } else {
      result.push_back(c); // not UTF-8: the byte is kept as it is
    }
    ++i;
  }
  return result;
}

std::string_view archive_extension(config::ArchiveMode mode) {
  switch (mode) {
  case config::ArchiveMode::tar:
    return "tar";
  case config::ArchiveMode::targz:
    return "tar.gz";
  case config::ArchiveMode::tarbz2:
    return "tar.bz2";
  case config::ArchiveMode::tarzst:
    return "tar.zst";
  }
  return "tar";
}

std::string archive_file_name(std::string_view abs_path, config::ArchiveMode mode) {
  return normalized_name(abs_path).append(".").append(archive_extension(mode));
}

std::string state_file_name(std::string_view abs_path) {
  return normalized_name(abs_path).append(".state");
}

std::string legacy_digest_file_name(std::string_view abs_path) {
  return normalized_name(abs_path).append(".sha");
}

} // namespace cback::collect
