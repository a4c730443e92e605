#include <cback/collect/manifest.hpp>

#include <cback/core/atomic_file.hpp>
#include <cback/core/field_escape.hpp>

#include "record_text.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace cback::collect {

namespace {

constexpr std::string_view k_magic = "cback-manifest ";

using detail::LineResult;
using detail::parse_number;

// "<size> <sha256> <name>"
std::optional<ManifestArchive> parse_archive(std::string_view rest) {
  const auto size_field = detail::take_field(rest);
  const auto digest_field = size_field ? detail::take_field(rest) : std::nullopt;
  if (!digest_field) {
    return std::nullopt;
  }
  auto size = parse_number<std::uint64_t>(*size_field);
  auto digest = core::digest_from_hex(*digest_field);
  auto name = core::unescape_field(rest);
  if (!size || !digest || !name || name->empty()) {
    return std::nullopt;
  }
  return ManifestArchive{std::move(*name), *size, *digest};
}

// "<size> <sha256> <index name>": the head of an index listed before it,
// once.
bool parse_head(std::string_view rest, Manifest& manifest) {
  auto head = parse_archive(rest);
  if (!head) {
    return false;
  }
  const auto index = std::find_if(manifest.indexes.begin(), manifest.indexes.end(),
                                  [&](const auto& listed) { return listed.name == head->name; });
  if (index == manifest.indexes.end() || index->head || head->size > index->size) {
    return false;
  }
  index->head = ManifestIndexHead{head->size, head->sha256};
  return true;
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
  const auto kind = detail::take_field(line);
  if (!kind) {
    return false;
  }
  const auto rest = line;
  if (*kind == "head" && version >= 4) {
    return parse_head(rest, manifest);
  }
  if (*kind == "archive" || (*kind == "index" && version >= 3)) {
    auto archive = parse_archive(rest);
    if (archive) {
      (*kind == "archive" ? manifest.archives : manifest.indexes).push_back(std::move(*archive));
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

// "cback-manifest <version> <date>": the version (1 to 4) and the date.
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
  for (const auto& [kind, files] :
       {std::pair{"archive", &manifest.archives}, std::pair{"index", &manifest.indexes}}) {
    for (const auto& file : *files) {
      out += fmt::format("{} {} {} {}\n", kind, file.size, core::to_hex(file.sha256),
                         core::escape_field(file.name));
    }
  }
  std::size_t heads = 0;
  for (const auto& index : manifest.indexes) {
    if (index.head) {
      out += fmt::format("head {} {} {}\n", index.head->size, core::to_hex(index.head->sha256),
                         core::escape_field(index.name));
      ++heads;
    }
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
  const auto count = manifest.archives.size() + manifest.indexes.size() + heads +
                     manifest.failed_items.size() + manifest.problems.size() +
                     manifest.deleted.size();
  out += fmt::format("end {}\n", count);
  return out;
}

tl::expected<Manifest, std::string> decode_manifest(std::string_view text) {
  Manifest manifest;
  int version = 0;
  const detail::RecordText format{.what = "manifest",
                                  .header_lines = 1,
                                  .header = [&](std::size_t, std::string_view line) -> LineResult {
                                    const auto first = parse_first_line(line, manifest);
                                    if (!first) {
                                      return tl::make_unexpected(
                                          "not a cback manifest (version 1 to 4)");
                                    }
                                    version = *first;
                                    return {};
                                  },
                                  .record = [&](std::string_view line) -> LineResult {
                                    if (!parse_record(line, version, manifest)) {
                                      return tl::make_unexpected("not a valid record");
                                    }
                                    return {};
                                  }};
  if (auto read = detail::read_record_text(text, format); !read) {
    return tl::make_unexpected(std::move(read.error()));
  }
  return manifest;
}

tl::expected<Manifest, std::string> load_manifest(const std::filesystem::path& path) {
  return detail::load_record_file(path, "manifest",
                                  [](std::string_view text) { return decode_manifest(text); });
}

void write_manifest(const std::filesystem::path& path, const Manifest& manifest) {
  core::AtomicFile file(path, 0644);
  file.write(encode_manifest(manifest));
  file.commit();
}

} // namespace cback::collect
