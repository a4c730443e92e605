#include <cback/collect/manifest.hpp>

#include <cback/core/atomic_file.hpp>
#include <cback/core/field_escape.hpp>
#include <cback/core/read_file.hpp>

#include <charconv>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace cback::collect {

namespace {

constexpr std::string_view k_magic = "cback-manifest ";

template <class N>
std::optional<N> parse_number(std::string_view text) {
  N value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

// "<size> <sha256> <name>"
std::optional<ManifestArchive> parse_archive(std::string_view rest) {
  const auto space1 = rest.find(' ');
  if (space1 == std::string_view::npos) {
    return std::nullopt;
  }
  const auto space2 = rest.find(' ', space1 + 1);
  if (space2 == std::string_view::npos) {
    return std::nullopt;
  }
  auto size = parse_number<std::uint64_t>(rest.substr(0, space1));
  auto digest = core::digest_from_hex(rest.substr(space1 + 1, space2 - space1 - 1));
  auto name = core::unescape_field(rest.substr(space2 + 1));
  if (!size || !digest || !name || name->empty()) {
    return std::nullopt;
  }
  return ManifestArchive{std::move(*name), *size, *digest};
}

// "<first>\t<second>", both escaped.
std::optional<std::pair<std::string, std::string>> parse_pair(std::string_view rest) {
  const auto tab = rest.find('\t');
  if (tab == std::string_view::npos) {
    return std::nullopt;
  }
  auto first = core::unescape_field(rest.substr(0, tab));
  auto second = core::unescape_field(rest.substr(tab + 1));
  if (!first || !second) {
    return std::nullopt;
  }
  return std::pair{std::move(*first), std::move(*second)};
}

// One record line of a manifest of `version` into `manifest`; false if it is
// not a valid record.
bool parse_record(std::string_view line, int version, Manifest& manifest) {
  const auto space = line.find(' ');
  if (space == std::string_view::npos) {
    return false;
  }
  const auto kind = line.substr(0, space);
  const auto rest = line.substr(space + 1);
  if (kind == "archive") {
    auto archive = parse_archive(rest);
    if (archive) {
      manifest.archives.push_back(std::move(*archive));
    }
    return archive.has_value();
  }
  const bool pair_kind =
      kind == "failed" || kind == "problem" || (kind == "deleted" && version >= 2);
  auto pair = pair_kind ? parse_pair(rest) : std::nullopt;
  if (!pair) {
    return false;
  }
  auto& [first, second] = *pair;
  if (kind == "deleted") {
    manifest.deleted.push_back(ManifestDeletion{std::move(first), std::move(second)});
  } else {
    (kind == "failed" ? manifest.failed_items : manifest.problems)
        .push_back(Problem{std::move(first), std::move(second)});
  }
  return true;
}

// "cback-manifest <version> <date>": the version (1 or 2) and the date.
std::optional<int> parse_first_line(std::string_view line, Manifest& manifest) {
  if (!line.starts_with(k_magic)) {
    return std::nullopt;
  }
  line.remove_prefix(k_magic.size());
  const auto space = line.find(' ');
  const auto version = parse_number<int>(line.substr(0, space));
  if (space == std::string_view::npos || !version || *version < 1 ||
      *version > k_manifest_version) {
    return std::nullopt;
  }
  manifest.date = std::string(line.substr(space + 1));
  return version;
}

} // namespace

std::string encode_manifest(const Manifest& manifest) {
  std::string out = fmt::format("{}{} {}\n", k_magic, k_manifest_version, manifest.date);
  for (const auto& archive : manifest.archives) {
    out += fmt::format("archive {} {} {}\n", archive.size, core::to_hex(archive.sha256),
                       core::escape_field(archive.name));
  }
  for (const auto& failure : manifest.failed_items) {
    out += fmt::format("failed {}\t{}\n", core::escape_field(failure.path),
                       core::escape_field(failure.message));
  }
  for (const auto& problem : manifest.problems) {
    out += fmt::format("problem {}\t{}\n", core::escape_field(problem.path),
                       core::escape_field(problem.message));
  }
  for (const auto& deletion : manifest.deleted) {
    out += fmt::format("deleted {}\t{}\n", core::escape_field(deletion.item),
                       core::escape_field(deletion.path));
  }
  const auto count = manifest.archives.size() + manifest.failed_items.size() +
                     manifest.problems.size() + manifest.deleted.size();
  out += fmt::format("end {}\n", count);
  return out;
}

tl::expected<Manifest, std::string> decode_manifest(std::string_view text) {
  Manifest manifest;
  std::size_t line_number = 0;
  std::size_t records = 0;
  bool ended = false;
  int version = 0;
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
    if (line_number == 1) {
      const auto first = parse_first_line(line, manifest);
      if (!first) {
        return tl::make_unexpected("line 1: not a cback manifest (version 1 or 2)");
      }
      version = *first;
    } else if (line.starts_with("end ")) {
      if (parse_number<std::size_t>(line.substr(4)) != records) {
        return tl::make_unexpected(
            fmt::format("line {}: the count does not match the {} records", line_number, records));
      }
      ended = true;
    } else if (parse_record(line, version, manifest)) {
      ++records;
    } else {
      return tl::make_unexpected(fmt::format("line {}: not a valid record", line_number));
    }
  }
  if (!ended) {
    return tl::make_unexpected("the manifest is incomplete (no end line)");
  }
  return manifest;
}

tl::expected<Manifest, std::string> load_manifest(const std::filesystem::path& path) {
  const auto content = core::read_file(path);
  if (!content) {
    return tl::make_unexpected(fmt::format("Cannot read manifest [{}].", path.string()));
  }
  auto manifest = decode_manifest(*content);
  if (!manifest) {
    return tl::make_unexpected(
        fmt::format("Manifest [{}] is not valid: {}", path.string(), manifest.error()));
  }
  return manifest;
}

void write_manifest(const std::filesystem::path& path, const Manifest& manifest) {
  core::AtomicFile file(path, 0644);
  file.write(encode_manifest(manifest));
  file.commit();
}

} // namespace cback::collect
