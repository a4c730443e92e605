#include <cback/config/readers.hpp>
#include <cback/config/tree.hpp>

#include <fmt/format.h>

#include <cctype>

namespace cback::config {
namespace {

/// Length of the UTF-8 sequence starting at content[i], or 0 if invalid
/// (overlong forms, surrogates and code points past U+10FFFF included).
std::size_t utf8_length(std::string_view content, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(content[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned min = 0;
  unsigned code = 0;
  if (lead < 0x80) {
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, min = 0x80, code = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, min = 0x800, code = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, min = 0x10000, code = lead & 0x07u;
  } else {
    return 0;
  }
  if (i + length > content.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) {
      return 0;
    }
    code = (code << 6u) | (byte(i + k) & 0x3Fu);
  }
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  return (code < min || code > 0x10FFFF || surrogate) ? 0 : length;
}

} // namespace

bool check_text(std::string_view content, const std::string& name, Problems& problems) {
  for (std::size_t i = 0; i < content.size();) {
    if (content[i] == '\0') {
      problems.push_back(
          {locate(content, i, name), "NUL byte: a configuration file must be text (UTF-8)"});
      return false;
    }
    const std::size_t length = utf8_length(content, i);
    if (length == 0) {
      problems.push_back(
          {locate(content, i, name),
           fmt::format("invalid UTF-8 byte 0x{:02X}: a configuration file must be UTF-8 text",
                       static_cast<unsigned char>(content[i]))});
      return false;
    }
    i += length;
  }
  return true;
}

std::optional<std::string> latin1_as_utf8(std::string_view content) {
  if (!content.starts_with("<?xml")) {
    return std::nullopt;
  }
  std::string declaration(content.substr(0, content.find("?>")));
  for (char& c : declaration) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const bool latin1 = declaration.find("iso-8859-1") != std::string::npos ||
                      declaration.find("latin1") != std::string::npos ||
                      declaration.find("latin-1") != std::string::npos;
  if (!latin1 || declaration.find("encoding") == std::string::npos) {
    return std::nullopt;
  }
  std::string utf8;
  utf8.reserve(content.size() + content.size() / 8);
  for (const char c : content) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      utf8 += c;
    } else {
      utf8 += static_cast<char>(0xC0u | (byte >> 6u));
      utf8 += static_cast<char>(0x80u | (byte & 0x3Fu));
    }
  }
  return utf8;
}

Location locate(std::string_view content, std::size_t offset, const std::string& name) {
  Location where{name, 1, 1};
  offset = std::min(offset, content.size());
  for (std::size_t i = 0; i < offset; ++i) {
    const auto byte = static_cast<unsigned char>(content[i]);
    if (byte == '\n') {
      ++where.line;
      where.column = 1;
    } else if ((byte & 0xC0u) != 0x80u) { // count characters, not continuation bytes
      ++where.column;
    }
  }
  return where;
}

std::string describe(const Node& node) {
  switch (node.kind) {
  case Node::Kind::element:
    return node.children.empty() ? "text" : "an element with children";
  case Node::Kind::string:
    return "a string";
  case Node::Kind::integer:
    return "an integer";
  case Node::Kind::floating:
    return "a float";
  case Node::Kind::boolean:
    return "a boolean";
  case Node::Kind::other:
    return "a date or time";
  case Node::Kind::table:
    return "a table";
  case Node::Kind::array:
    return "an array";
  }
  return "a value";
}

} // namespace cback::config
