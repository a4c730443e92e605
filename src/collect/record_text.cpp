#include "record_text.hpp"

#include <cback/core/read_file.hpp>

#include <cctype>

#include <fmt/format.h>

namespace cback::collect::detail {

std::optional<std::string_view> take_field(std::string_view& rest) {
  const auto space = rest.find(' ');
  if (space == std::string_view::npos) {
    return std::nullopt;
  }
  const auto field = rest.substr(0, space);
  rest.remove_prefix(space + 1);
  return field;
}

tl::expected<void, std::string> read_record_text(std::string_view text, const RecordText& format) {
  std::size_t line_number = 0;
  std::size_t records = 0;
  bool ended = false;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    if (newline == std::string_view::npos) {
      return tl::make_unexpected(fmt::format("line {}: no final newline", line_number + 1));
    }
    const auto line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    ++line_number;
    if (ended) {
      return tl::make_unexpected(fmt::format("line {}: text after the end line", line_number));
    }
    if (line_number <= format.header_lines) {
      if (auto checked = format.header(line_number - 1, line); !checked) {
        return tl::make_unexpected(fmt::format("line {}: {}", line_number, checked.error()));
      }
    } else if (line.starts_with("end ")) {
      if (parse_number<std::size_t>(line.substr(4)) != records) {
        return tl::make_unexpected(
            fmt::format("line {}: the count does not match the {} records", line_number, records));
      }
      ended = true;
    } else if (auto checked = format.record(line); checked) {
      ++records;
    } else {
      return tl::make_unexpected(fmt::format("line {}: {}", line_number, checked.error()));
    }
  }
  if (!ended) {
    return tl::make_unexpected(fmt::format("the {} is incomplete (no end line)", format.what));
  }
  return {};
}

tl::expected<std::string, std::string> read_record_file(const std::filesystem::path& path,
                                                        std::string_view what) {
  auto content = core::read_file(path);
  if (!content) {
    return tl::make_unexpected(fmt::format("Cannot read {} [{}].", what, path.string()));
  }
  return std::move(*content);
}

std::string invalid_record_file(const std::filesystem::path& path, std::string_view what,
                                std::string_view why) {
  std::string name(what);
  if (!name.empty()) {
    name.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(name.front())));
  }
  return fmt::format("{} [{}] is not valid: {}", name, path.string(), why);
}

} // namespace cback::collect::detail
