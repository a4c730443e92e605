#include <cback/collect/content_index.hpp>

#include "record_text.hpp"

#include <cback/core/field_escape.hpp>

#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace cback::collect {

namespace {

using detail::LineResult;
using detail::parse_number;
using detail::take_field;

constexpr std::string_view k_magic = "cback-index";

// Spelled as in the configuration, in the enum's order.
constexpr std::array<std::string_view, 4> k_mode_names = {"tar", "targz", "tarbz2", "tarzst"};
constexpr std::array<std::string_view, 5> k_type_names = {"file", "dir", "symlink", "hardlink",
                                                          "other"};

// The largest permission bits an entry can have.
constexpr std::uint32_t k_mode_mask = 07777;
// Every tar header starts on a 512-byte block.
constexpr std::uint64_t k_tar_block = 512;

template <std::size_t N>
std::optional<std::size_t> find_name(const std::array<std::string_view, N>& names,
                                     std::string_view name) {
  const auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end()) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(found - names.begin());
}

LineResult refuse(std::string why) {
  return tl::make_unexpected(std::move(why));
}

// A member name a restore can put beneath its target: relative, no empty,
// "." or ".." component, no NUL byte; or "." alone (the item "/" itself).
bool safe_member_name(std::string_view path) {
  if (path == "." || path == "./") {
    return true;
  }
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) {
    return false;
  }
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto part = path.substr(0, slash);
    if (part.empty() || part == "." || part == "..") {
      // A directory's name may end in one '/'.
      return part.empty() && slash == std::string_view::npos;
    }
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
  }
  return true;
}

// The escaped text of header line "<keyword> <text>" into `value`.
LineResult parse_named(std::string_view line, std::string_view keyword, std::string& value) {
  auto rest = line;
  const auto key = take_field(rest);
  if (!key || *key != keyword) {
    return refuse(fmt::format("expected \"{} <name>\"", keyword));
  }
  auto text = core::unescape_field(rest);
  if (!text || text->empty()) {
    return refuse(fmt::format("not a valid {} name", keyword));
  }
  value = std::move(*text);
  return {};
}

LineResult parse_kind(std::string_view line, ContentIndex& index) {
  if (line == "kind full") {
    index.kind = ArchiveKind::full;
  } else if (line == "kind incremental") {
    index.kind = ArchiveKind::incremental;
  } else if (line == "kind incremental cumulative") {
    index.kind = ArchiveKind::incremental;
    index.cumulative = true;
  } else {
    return refuse(
        "expected \"kind full\", \"kind incremental\" or \"kind incremental cumulative\"");
  }
  return {};
}

LineResult parse_mode(std::string_view line, ContentIndex& index) {
  const auto mode =
      line.starts_with("mode ") ? find_name(k_mode_names, line.substr(5)) : std::nullopt;
  if (!mode) {
    return refuse("expected \"mode tar|targz|tarbz2|tarzst\"");
  }
  index.mode = static_cast<config::ArchiveMode>(*mode);
  return {};
}

LineResult parse_header(std::size_t line, std::string_view text, ContentIndex& index) {
  switch (line) {
  case 0:
    if (text != fmt::format("{} {}", k_magic, k_content_index_version)) {
      return refuse(fmt::format("not a cback content index (version {})", k_content_index_version));
    }
    return {};
  case 1: {
    auto parsed = parse_named(text, "archive", index.archive);
    // A file name in collect_dir, next to the index.
    if (parsed && (index.archive.find('/') != std::string::npos || index.archive == "." ||
                   index.archive == "..")) {
      return refuse("not a valid archive name");
    }
    return parsed;
  }
  case 2:
    return parse_named(text, "item", index.item);
  case 3:
    return parse_kind(text, index);
  default:
    return parse_mode(text, index);
  }
}

// "<compressed offset> <uncompressed offset>"
LineResult parse_frame(std::string_view rest, ContentIndex& index) {
  if (index.mode != config::ArchiveMode::tarzst) {
    return refuse("a frame record in an archive that is not tarzst");
  }
  if (!index.entries.empty()) {
    return refuse("a frame record after the entries");
  }
  const auto first = take_field(rest);
  const auto compressed = first ? parse_number<std::uint64_t>(*first) : std::nullopt;
  const auto offset = parse_number<std::uint64_t>(rest);
  if (!compressed || !offset) {
    return refuse("not a valid frame record");
  }
  const IndexFrame frame{*compressed, *offset};
  if (index.frames.empty() ? frame != IndexFrame{}
                           : (frame.compressed_offset <= index.frames.back().compressed_offset ||
                              frame.offset <= index.frames.back().offset)) {
    return refuse("the frames do not start at 0 0 and increase");
  }
  index.frames.push_back(frame);
  return {};
}

// "<type> <size> <mode> <uid> <gid> <mtime> <offset> <path>": the seven
// numbered fields, then the path.
std::optional<IndexEntry> parse_entry_fields(std::string_view rest) {
  std::array<std::string_view, 7> fields;
  for (auto& field : fields) {
    const auto taken = take_field(rest);
    if (!taken) {
      return std::nullopt;
    }
    field = *taken;
  }
  const auto type = find_name(k_type_names, fields[0]);
  const auto size = parse_number<std::uint64_t>(fields[1]);
  const auto mode = parse_number<std::uint32_t>(fields[2], 8);
  const auto uid = parse_number<std::uint32_t>(fields[3]);
  const auto gid = parse_number<std::uint32_t>(fields[4]);
  const auto mtime = parse_number<std::int64_t>(fields[5]);
  const auto offset = parse_number<std::uint64_t>(fields[6]);
  auto path = core::unescape_field(rest);
  if (!type || !size || !mode || !uid || !gid || !mtime || !offset || !path ||
      (*mode & ~k_mode_mask) != 0) {
    return std::nullopt;
  }
  return IndexEntry{
      std::move(*path), static_cast<IndexEntryType>(*type), *size, *mode, *uid, *gid, *mtime,
      *offset};
}

LineResult parse_entry(std::string_view rest, ContentIndex& index) {
  auto entry = parse_entry_fields(rest);
  if (!entry) {
    return refuse("not a valid entry record");
  }
  if (!safe_member_name(entry->path)) {
    return refuse("an entry path that is empty, absolute or has an empty, \".\" or \"..\" part");
  }
  if (entry->type != IndexEntryType::file && entry->size != 0) {
    return refuse("a size on an entry that is not a file");
  }
  if (entry->offset % k_tar_block != 0 ||
      (!index.entries.empty() && entry->offset <= index.entries.back().offset)) {
    return refuse("an entry offset that is not on a tar block after the previous entry");
  }
  index.entries.push_back(std::move(*entry));
  return {};
}

LineResult parse_record(std::string_view line, ContentIndex& index) {
  auto rest = line;
  const auto kind = take_field(rest);
  if (kind == "frame") {
    return parse_frame(rest, index);
  }
  if (kind == "entry") {
    return parse_entry(rest, index);
  }
  return refuse("not a valid record");
}

} // namespace

std::string encode_content_index(const ContentIndex& index) {
  std::string out = fmt::format("{} {}\n", k_magic, k_content_index_version);
  out += fmt::format("archive {}\n", core::escape_field(index.archive));
  out += fmt::format("item {}\n", core::escape_field(index.item));
  out += index.kind == ArchiveKind::full ? "kind full\n"
         : index.cumulative              ? "kind incremental cumulative\n"
                                         : "kind incremental\n";
  out += fmt::format("mode {}\n", k_mode_names.at(static_cast<std::size_t>(index.mode)));
  for (const auto& frame : index.frames) {
    out += fmt::format("frame {} {}\n", frame.compressed_offset, frame.offset);
  }
  for (const auto& entry : index.entries) {
    out += fmt::format("entry {} {} {:o} {} {} {} {} {}\n",
                       k_type_names.at(static_cast<std::size_t>(entry.type)), entry.size,
                       entry.mode, entry.uid, entry.gid, entry.mtime, entry.offset,
                       core::escape_field(entry.path));
  }
  out += fmt::format("end {}\n", index.frames.size() + index.entries.size());
  return out;
}

tl::expected<ContentIndex, std::string> decode_content_index(std::string_view text) {
  ContentIndex index;
  const detail::RecordText format{
      .what = "content index",
      .header_lines = 5,
      .header = [&](std::size_t line,
                    std::string_view header) { return parse_header(line, header, index); },
      .record = [&](std::string_view line) { return parse_record(line, index); }};
  if (auto read = detail::read_record_text(text, format); !read) {
    return tl::make_unexpected(std::move(read.error()));
  }
  if (index.mode == config::ArchiveMode::tarzst && index.frames.empty()) {
    return tl::make_unexpected("a tarzst archive's index without frames");
  }
  return index;
}

tl::expected<ContentIndex, std::string> load_content_index(const std::filesystem::path& path) {
  return detail::load_record_file(path, "content index",
                                  [](std::string_view text) { return decode_content_index(text); });
}

IndexEntry index_entry_of(archive_entry* entry, std::string path, std::uint64_t offset) {
  IndexEntry indexed;
  indexed.path = std::move(path);
  if (archive_entry_hardlink(entry) != nullptr) {
    indexed.type = IndexEntryType::hardlink;
  } else {
    switch (archive_entry_filetype(entry)) {
    case AE_IFREG:
      indexed.type = IndexEntryType::file;
      break;
    case AE_IFDIR:
      indexed.type = IndexEntryType::directory;
      break;
    case AE_IFLNK:
      indexed.type = IndexEntryType::symlink;
      break;
    default:
      indexed.type = IndexEntryType::other;
    }
  }
  if (indexed.type == IndexEntryType::file) {
    indexed.size = static_cast<std::uint64_t>(archive_entry_size(entry));
  }
  indexed.mode = static_cast<std::uint32_t>(archive_entry_perm(entry)) & 07777U;
  indexed.uid = static_cast<std::uint32_t>(archive_entry_uid(entry));
  indexed.gid = static_cast<std::uint32_t>(archive_entry_gid(entry));
  indexed.mtime = archive_entry_mtime(entry);
  indexed.offset = offset;
  return indexed;
}

} // namespace cback::collect
