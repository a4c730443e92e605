#include <cback/extend/mbox_state.hpp>

#include <cback/collect/naming.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/read_file.hpp>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <ctime>
#include <vector>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_head = "cdatetime\ndatetime\n";
constexpr std::size_t k_state_size = 10; // datetime's pickled state: 10 bytes

std::array<unsigned char, k_state_size> state_bytes(const LocalTime& t) {
  return {static_cast<unsigned char>(t.year >> 8),
          static_cast<unsigned char>(t.year & 0xff),
          static_cast<unsigned char>(t.month),
          static_cast<unsigned char>(t.day),
          static_cast<unsigned char>(t.hour),
          static_cast<unsigned char>(t.minute),
          static_cast<unsigned char>(t.second),
          static_cast<unsigned char>(t.microsecond >> 16),
          static_cast<unsigned char>((t.microsecond >> 8) & 0xff),
          static_cast<unsigned char>(t.microsecond & 0xff)};
}

std::optional<LocalTime> from_state(const std::vector<unsigned char>& b) {
  if (b.size() != k_state_size) {
    return std::nullopt;
  }
  LocalTime t{b[0] * 256 + b[1], b[2], b[3], b[4], b[5], b[6], (b[7] << 16) | (b[8] << 8) | b[9]};
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.minute > 59 ||
      t.second > 59) {
    return std::nullopt;
  }
  return t;
}

std::optional<unsigned> hex_value(std::string_view digits) {
  unsigned value = 0;
  const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
  if (parsed.ec != std::errc{} || parsed.ptr != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return value;
}

// Python 3's `V` text: raw latin-1 bytes, except \uXXXX escapes.
std::optional<std::vector<unsigned char>> decode_v(std::string_view text) {
  std::vector<unsigned char> bytes;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 2) == "\\u" && i + 6 <= text.size()) {
      const auto value = hex_value(text.substr(i + 2, 4));
      if (!value || *value > 0xff) {
        return std::nullopt;
      }
      bytes.push_back(static_cast<unsigned char>(*value));
      i += 5;
    } else {
      bytes.push_back(static_cast<unsigned char>(text[i]));
    }
  }
  return bytes;
}

// Python 2's `S'...'` text: a Python string literal body.
std::optional<std::vector<unsigned char>> decode_s(std::string_view text) {
  std::vector<unsigned char> bytes;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      bytes.push_back(static_cast<unsigned char>(text[i]));
      continue;
    }
    if (++i >= text.size()) {
      return std::nullopt;
    }
    static constexpr std::string_view k_from = "nrt\\'\"0", k_to{"\n\r\t\\'\"\0", 7};
    if (text[i] == 'x' && i + 2 < text.size()) {
      const auto value = hex_value(text.substr(i + 1, 2));
      if (!value) {
        return std::nullopt;
      }
      bytes.push_back(static_cast<unsigned char>(*value));
      i += 2;
    } else if (const auto at = k_from.find(text[i]); at != std::string_view::npos) {
      bytes.push_back(static_cast<unsigned char>(k_to[at]));
    } else {
      return std::nullopt;
    }
  }
  return bytes;
}

} // namespace

LocalTime local_time(std::chrono::system_clock::time_point when) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm tm{};
  ::localtime_r(&seconds, &tm);
  return LocalTime{tm.tm_year + 1900,
                   tm.tm_mon + 1,
                   tm.tm_mday,
                   tm.tm_hour,
                   tm.tm_min,
                   tm.tm_sec,
                   static_cast<int>(micros % 1'000'000)};
}

std::string iso_text(const LocalTime& t) {
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", t.year, t.month, t.day, t.hour,
                     t.minute, t.second);
}

std::string date_text(const LocalTime& t) {
  return fmt::format("{:04}{:02}{:02}", t.year, t.month, t.day);
}

fs::path mbox_state_path(const fs::path& working_dir, const std::string& item) {
  return working_dir / (collect::normalized_name(item) + ".mboxlast");
}

std::string pickle_datetime(const LocalTime& time) {
  std::string text;
  for (const unsigned char byte : state_bytes(time)) {
    // The characters protocol 0 escapes in a `V` string.
    if (byte == 0x00 || byte == '\n' || byte == '\r' || byte == 0x1a || byte == '\\') {
      text += fmt::format("\\u{:04x}", byte);
    } else {
      text += static_cast<char>(byte);
    }
  }
  return fmt::format("{}p0\n(c_codecs\nencode\np1\n(V{}\np2\nVlatin1\np3\ntp4\nRp5\ntp6\nRp7\n.",
                     k_head, text);
}

std::optional<LocalTime> unpickle_datetime(const std::string& bytes) {
  if (!bytes.starts_with(k_head)) {
    return std::nullopt;
  }
  if (const auto v = bytes.find("(V"); v != std::string::npos) {
    const auto end = bytes.find('\n', v);
    if (end == std::string::npos) {
      return std::nullopt;
    }
    const auto state = decode_v(std::string_view(bytes).substr(v + 2, end - v - 2));
    return state ? from_state(*state) : std::nullopt;
  }
  if (const auto s = bytes.find("(S'"); s != std::string::npos) {
    const auto end = bytes.find("'\n", s + 3);
    if (end == std::string::npos) {
      return std::nullopt;
    }
    const auto state = decode_s(std::string_view(bytes).substr(s + 3, end - s - 3));
    return state ? from_state(*state) : std::nullopt;
  }
  return std::nullopt;
}

std::optional<LocalTime> read_mbox_last(const fs::path& state) {
  const auto content = core::read_file(state);
  if (!content) {
    return std::nullopt;
  }
  return unpickle_datetime(*content);
}

void write_mbox_last(const fs::path& state, const LocalTime& time) {
  core::AtomicFile file(state);
  file.write(pickle_datetime(time));
  file.commit();
}

} // namespace cback::extend
