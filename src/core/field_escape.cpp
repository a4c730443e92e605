#include <cback/core/field_escape.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace cback::core {

std::string escape_field(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> unescape_field(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    // The bytes up to the next escape in one append: most names have none,
    // and an index holds hundreds of thousands of them.
    const std::size_t escape = std::min(text.find('\\', i), text.size());
    out.append(text.data() + i, escape - i);
    i = escape;
    if (i == text.size()) {
      break;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else if (i + 3 < text.size() && text[i + 1] == 'x') {
      unsigned value = 0;
      const char* first = text.data() + i + 2;
      auto [end, ec] = std::from_chars(first, first + 2, value, 16);
      if (ec != std::errc{} || end != first + 2) {
        return std::nullopt;
      }
      out += static_cast<char>(value);
      i += 3;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

} // namespace cback::core
