#include <cback/collect/legacy_digest.hpp>

#include <cback/core/read_file.hpp>
#include <cback/core/unique_fd.hpp>

#include <openssl/evp.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <array>
#include <charconv>
#include <memory>
#include <optional>
#include <unordered_map>
#include <variant>
#include <vector>

#include <fmt/format.h>

namespace cback::collect {

namespace {

using Dict = std::shared_ptr<LegacyDigestMap>;
struct Mark {};
using Value = std::variant<Mark, std::string, Dict>;

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (code_point >> 6U)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3fU)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (code_point >> 12U)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6U) & 0x3fU)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3fU)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (code_point >> 18U)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12U) & 0x3fU)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6U) & 0x3fU)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3fU)));
  }
}

// Python's os.fsencode: UTF-8, except that the surrogate escapes U+DC80..
// U+DCFF stand for the undecodable bytes 0x80..0xFF of the original name.
std::optional<std::string> fs_encode(const std::vector<std::uint32_t>& code_points) {
  std::string bytes;
  for (const auto code_point : code_points) {
    if (code_point >= 0xdc80 && code_point <= 0xdcff) {
      bytes.push_back(static_cast<char>(code_point - 0xdc00));
    } else if ((code_point >= 0xd800 && code_point <= 0xdfff) || code_point > 0x10ffff) {
      return std::nullopt;
    } else {
      append_utf8(bytes, code_point);
    }
  }
  return bytes;
}

// The UNICODE opcode's argument, raw-unicode-escape: bytes are Latin-1 code
// points, except \uXXXX and \UXXXXXXXX (pickle writes '\\' and '\n' so).
std::optional<std::string> decode_raw_unicode_escape(std::string_view text) {
  std::vector<std::uint32_t> code_points;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t digits = text[i] == '\\' && i + 1 < text.size()
                                   ? (text[i + 1] == 'u' ? 4 : (text[i + 1] == 'U' ? 8 : 0))
                                   : 0;
    if (digits == 0) {
      code_points.push_back(static_cast<unsigned char>(text[i]));
      continue;
    }
    std::uint32_t value = 0;
    const char* first = text.data() + i + 2;
    if (i + 2 + digits > text.size() ||
        std::from_chars(first, first + digits, value, 16).ptr != first + digits) {
      return std::nullopt;
    }
    code_points.push_back(value);
    i += 1 + digits;
  }
  return fs_encode(code_points);
}

// The STRING opcode's argument (Python 2 pickles): a quoted repr.
std::optional<std::string> decode_quoted(std::string_view text) {
  if (text.size() < 2 || (text.front() != '\'' && text.front() != '"') ||
      text.back() != text.front()) {
    return std::nullopt;
  }
  text = text.substr(1, text.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    const char c = text[++i];
    if (c == 'n' || c == 't' || c == 'r') {
      out.push_back(c == 'n' ? '\n' : (c == 't' ? '\t' : '\r'));
    } else if (c == 'x') {
      unsigned value = 0;
      const char* first = text.data() + i + 1;
      if (i + 2 >= text.size() || std::from_chars(first, first + 2, value, 16).ptr != first + 2) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(c); // \\ \' \"
    }
  }
  return out;
}

class Unpickler {
public:
  explicit Unpickler(std::string_view data) : m_data(data) {}
  tl::expected<LegacyDigestMap, std::string> run();

private:
  std::optional<std::string> step(char opcode); // an error message, or nothing
  std::optional<std::string_view> read_line();
  std::vector<Value> pop_to_mark();
  static std::optional<std::string> set_pairs(const Value& target, std::vector<Value>& items);

  std::string_view m_data;
  std::size_t m_pos = 0;
  std::vector<Value> m_stack;
  std::unordered_map<long, Value> m_memo;
  bool m_stopped = false;
};

std::optional<std::string_view> Unpickler::read_line() {
  const auto newline = m_data.find('\n', m_pos);
  if (newline == std::string_view::npos) {
    return std::nullopt;
  }
  const auto line = m_data.substr(m_pos, newline - m_pos);
  m_pos = newline + 1;
  return line;
}

std::vector<Value> Unpickler::pop_to_mark() {
  std::vector<Value> items;
  while (!m_stack.empty() && !std::holds_alternative<Mark>(m_stack.back())) {
    items.insert(items.begin(), std::move(m_stack.back()));
    m_stack.pop_back();
  }
  if (!m_stack.empty()) {
    m_stack.pop_back(); // the mark
  }
  return items;
}

std::optional<std::string> Unpickler::set_pairs(const Value& target, std::vector<Value>& items) {
  const auto* dict = std::get_if<Dict>(&target);
  if (dict == nullptr || items.size() % 2 != 0) {
    return "SETITEM outside a dict";
  }
  for (std::size_t i = 0; i < items.size(); i += 2) {
    const auto* key = std::get_if<std::string>(&items[i]);
    const auto* value = std::get_if<std::string>(&items[i + 1]);
    if (key == nullptr || value == nullptr) {
      return "a key or value is not a string";
    }
    (**dict)[*key] = *value;
  }
  return std::nullopt;
}

std::optional<std::string> Unpickler::step(char opcode) {
  switch (opcode) {
  case '(':
    m_stack.emplace_back(Mark{});
    return std::nullopt;
  case '}':
  case 'd': {
    if (opcode == 'd') {
      auto items = pop_to_mark();
      m_stack.emplace_back(std::make_shared<LegacyDigestMap>());
      return set_pairs(m_stack.back(), items);
    }
    m_stack.emplace_back(std::make_shared<LegacyDigestMap>());
    return std::nullopt;
  }
  case 'V':
  case 'S': {
    const auto line = read_line();
    auto text = line ? (opcode == 'V' ? decode_raw_unicode_escape(*line) : decode_quoted(*line))
                     : std::nullopt;
    if (!text) {
      return "malformed string";
    }
    m_stack.emplace_back(std::move(*text));
    return std::nullopt;
  }
  case 'p':
  case 'g': {
    const auto line = read_line();
    long index = 0;
    if (!line || std::from_chars(line->data(), line->data() + line->size(), index).ptr !=
                     line->data() + line->size()) {
      return "malformed memo index";
    }
    if (opcode == 'p') {
      if (m_stack.empty()) {
        return "PUT on an empty stack";
      }
      m_memo[index] = m_stack.back();
      return std::nullopt;
    }
    const auto found = m_memo.find(index);
    if (found == m_memo.end()) {
      return "GET of an unknown memo entry";
    }
    m_stack.push_back(found->second);
    return std::nullopt;
  }
  case 's':
  case 'u': {
    std::vector<Value> items;
    if (opcode == 'u') {
      items = pop_to_mark();
    } else if (m_stack.size() >= 3) {
      items.push_back(std::move(m_stack[m_stack.size() - 2]));
      items.push_back(std::move(m_stack.back()));
      m_stack.resize(m_stack.size() - 2);
    }
    if (m_stack.empty() || items.empty()) {
      return "SETITEM without a dict";
    }
    return set_pairs(m_stack.back(), items);
  }
  case '.':
    m_stopped = true;
    return std::nullopt;
  default:
    return fmt::format("unsupported opcode 0x{:02x}", static_cast<unsigned char>(opcode));
  }
}

tl::expected<LegacyDigestMap, std::string> Unpickler::run() {
  while (!m_stopped) {
    if (m_pos >= m_data.size()) {
      return tl::unexpected(std::string("truncated pickle (no STOP)"));
    }
    const std::size_t at = m_pos;
    if (auto error = step(m_data[m_pos++])) {
      return tl::unexpected(fmt::format("offset {}: {}", at, *error));
    }
  }
  if (m_stack.size() != 1 || !std::holds_alternative<Dict>(m_stack.back())) {
    return tl::unexpected(std::string("the pickle does not hold one dict"));
  }
  return *std::get<Dict>(m_stack.back());
}

} // namespace

tl::expected<LegacyDigestMap, std::string> parse_legacy_digest(std::string_view pickle) {
  return Unpickler(pickle).run();
}

tl::expected<LegacyDigestMap, std::string> load_legacy_digest(const std::string& path) {
  const auto content = core::read_file(path);
  if (!content) {
    return tl::unexpected(fmt::format("cannot read [{}]", path));
  }
  auto parsed = parse_legacy_digest(*content);
  if (!parsed) {
    return tl::unexpected(fmt::format("[{}]: {}", path, parsed.error()));
  }
  return parsed;
}

tl::expected<std::string, std::string> legacy_file_digest(const std::string& path) {
  const auto failure = [&](std::string_view what) {
    return tl::unexpected(fmt::format("cannot {} [{}]: {}", what, path,
                                      std::error_code(errno, std::generic_category()).message()));
  };
  const core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    return failure("open");
  }
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha1(), nullptr) != 1) {
    return tl::unexpected(fmt::format("cannot start a SHA-1 digest for [{}]", path));
  }
  std::vector<char> buffer(std::size_t{1} << 20U);
  for (;;) {
    const auto count = ::read(fd.get(), buffer.data(), buffer.size());
    if (count < 0 && errno == EINTR) {
      continue;
    }
    if (count < 0) {
      return failure("read");
    }
    if (count == 0) {
      break;
    }
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<std::size_t>(count));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(context.get(), digest.data(), &size);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += fmt::format("{:02x}", digest[i]);
  }
  return hex;
}

} // namespace cback::collect
