#pragma once

// The reading side shared by collect's line-oriented record files (the
// manifest, the content index; docs/manifest.md): header lines, then one
// record per line, then `end <count of records>`, every line ending in a
// newline. Private to src/collect.

#include <charconv>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace cback::collect::detail {

/// A whole decimal (or `base`) number, nothing before or after it.
template <class N>
std::optional<N> parse_number(std::string_view text, int base = 10) {
  N value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

/// Splits off the first space-separated field of `rest`: returns it and
/// leaves the remainder (after the space) in `rest`; std::nullopt when there
/// is no space.
std::optional<std::string_view> take_field(std::string_view& rest);

/// Why a line was refused (without the "line N: " the reader adds).
using LineResult = tl::expected<void, std::string>;

struct RecordText {
  /// The file's name in messages: "the manifest is incomplete (no end line)".
  std::string_view what;
  /// How many lines precede the records (at least 1, the magic line).
  std::size_t header_lines = 1;
  /// Checks header line `index` (0 for the first line).
  std::function<LineResult(std::size_t index, std::string_view line)> header;
  /// Checks one record line.
  std::function<LineResult(std::string_view line)> record;
};

/// Reads `text` line by line through `format`. The error names the line at
/// fault ("line 3: not a valid record") or says the text is incomplete.
tl::expected<void, std::string> read_record_text(std::string_view text, const RecordText& format);

/// The text of the record file at `path`; the error names it as `what`
/// ("Cannot read manifest [PATH].").
tl::expected<std::string, std::string> read_record_file(const std::filesystem::path& path,
                                                        std::string_view what);
/// The message for a record file whose text `decode` refused:
/// "Manifest [PATH] is not valid: line 3: not a valid record".
std::string invalid_record_file(const std::filesystem::path& path, std::string_view what,
                                std::string_view why);

/// Reads the file at `path` and decodes it with `decode` (a decode_* of
/// this folder); the error names the file.
template <class Decode>
auto load_record_file(const std::filesystem::path& path, std::string_view what, Decode decode)
    -> decltype(decode(std::string_view{})) {
  const auto text = read_record_file(path, what);
  if (!text) {
    return tl::make_unexpected(text.error());
  }
  auto decoded = decode(*text);
  if (!decoded) {
    return tl::make_unexpected(invalid_record_file(path, what, decoded.error()));
  }
  return decoded;
}

} // namespace cback::collect::detail
