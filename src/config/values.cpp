#include <cback/config/values.hpp>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <memory>

namespace cback::config {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Reads digits with single underscores between them (Python's numeric
/// literal rule) from text[i...], appending the digits to `out`. Returns
/// false if an underscore is misplaced; `i` stops at the first other char.
bool read_digits(std::string_view text, std::size_t& i, std::string& out) {
  const std::size_t start = i;
  while (i < text.size() && (is_digit(text[i]) || text[i] == '_')) {
    if (text[i] == '_') {
      const bool between =
          i > start && is_digit(text[i - 1]) && i + 1 < text.size() && is_digit(text[i + 1]);
      if (!between) {
        return false;
      }
    } else {
      out += text[i];
    }
    ++i;
  }
  return true;
}

struct Pcre2CodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
using Pcre2Code = std::unique_ptr<pcre2_code, Pcre2CodeDeleter>;

Pcre2Code compile(const std::string& pattern, int& error, PCRE2_SIZE& offset) {
  return Pcre2Code(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 regex_options(), &error, &offset, nullptr));
}

bool matches(const char* pattern, std::string_view text) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  const Pcre2Code code = compile(pattern, error, offset);
  if (!code) {
    return false;
  }
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
      pcre2_match_data_create_from_pattern(code.get(), nullptr), &pcre2_match_data_free);
  return pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0,
                     data.get(), nullptr) >= 0;
}

} // namespace

std::string_view strip(std::string_view text) {
  constexpr std::string_view k_space = " \t\n\r\f\v";
  const std::size_t first = text.find_first_not_of(k_space);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(k_space) - first + 1);
}

std::optional<std::int64_t> parse_python_int(std::string_view text) {
  text = strip(text);
  std::string digits;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    digits += text[i] == '-' ? "-" : "";
    ++i;
  }
  const std::size_t sign_end = digits.size();
  if (!read_digits(text, i, digits) || i != text.size() || digits.size() == sign_end) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> parse_python_float(std::string_view text) {
  text = strip(text);
  std::string clean;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    clean += text[i] == '-' ? "-" : "";
    ++i;
  }
  const std::size_t mantissa_start = clean.size();
  bool ok = read_digits(text, i, clean);
  if (ok && i < text.size() && text[i] == '.') {
    clean += text[i++];
    ok = read_digits(text, i, clean);
  }
  const std::string_view mantissa = std::string_view(clean).substr(mantissa_start);
  if (!ok || mantissa.find_first_of("0123456789") == std::string_view::npos) {
    return std::nullopt;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    clean += text[i++];
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      clean += text[i++];
    }
    const std::size_t exponent_start = clean.size();
    if (!read_digits(text, i, clean) || clean.size() == exponent_start) {
      return std::nullopt;
    }
  }
  if (i != text.size()) {
    return std::nullopt;
  }
  double value = 0.0;
  const auto [end, error] = std::from_chars(clean.data(), clean.data() + clean.size(), value);
  if (error != std::errc() || end != clean.data() + clean.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<ByteQuantity> parse_byte_quantity(std::string_view text, std::string& error) {
  const std::string_view trimmed = strip(text);
  struct Unit {
    std::string_view suffix;
    double factor;
  };
  constexpr std::array k_units{Unit{"KB", 1024.0}, Unit{"MB", 1024.0 * 1024.0},
                               Unit{"GB", 1024.0 * 1024.0 * 1024.0}};
  std::string_view number = trimmed;
  double factor = 1.0;
  for (const Unit& unit : k_units) {
    if (trimmed.ends_with(unit.suffix)) {
      number = strip(trimmed.substr(0, trimmed.size() - unit.suffix.size()));
      factor = unit.factor;
      break;
    }
  }
  const std::optional<double> value = parse_python_float(number);
  if (!value) {
    error = fmt::format("\"{}\" is not a byte quantity (a number >= 0, optionally followed by KB, "
                        "MB or GB)",
                        text);
    return std::nullopt;
  }
  if (*value < 0.0) {
    error = fmt::format("byte quantity \"{}\" is negative", text);
    return std::nullopt;
  }
  return ByteQuantity{std::string(trimmed), *value * factor};
}

std::uint32_t regex_options() {
  return PCRE2_UTF | PCRE2_UCP;
}

std::optional<std::string> regex_error(const std::string& pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  if (compile(pattern, error, offset)) {
    return std::nullopt;
  }
  std::array<PCRE2_UCHAR, 256> message{};
  pcre2_get_error_message(error, message.data(), message.size());
  return fmt::format("{} at offset {}", reinterpret_cast<const char*>(message.data()), offset);
}

bool is_action_name(std::string_view text) {
  for (const char c : text) {
    if (!is_digit(c) && (c < 'a' || c > 'z')) {
      return false;
    }
  }
  return true;
}

bool is_identifier(std::string_view text) {
  if (text.empty() || is_digit(text.front())) {
    return false;
  }
  for (const char c : text) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!letter && !is_digit(c) && c != '_') {
      return false;
    }
  }
  return true;
}

bool is_dotted_identifier(std::string_view text) {
  while (true) {
    const std::size_t dot = text.find('.');
    if (!is_identifier(text.substr(0, dot))) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    text.remove_prefix(dot + 1);
  }
}

bool is_scsi_id(std::string_view text) {
  return matches(R"(^\s*(.*:)?\s*[0-9]+\s*,\s*[0-9]+\s*,\s*[0-9]+\s*$)", text) ||
         matches(R"(^\s*IO.*Services(/[0-9]+)?\s*$)", text);
}

} // namespace cback::config
