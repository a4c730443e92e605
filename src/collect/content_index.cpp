#include <cback/collect/content_index.hpp>

#include "record_text.hpp"

#include <cback/core/field_escape.hpp>

#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <stdexcept>
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

// The first line: "cback-index <version>", 1 to 3.
tl::expected<int, std::string> parse_magic(std::string_view text) {
  for (int version = 1; version <= k_content_index_version; ++version) {
    if (text == fmt::format("{} {}", k_magic, version)) {
      return version;
    }
  }
  return tl::make_unexpected(
      fmt::format("not a cback content index (version 1 to {})", k_content_index_version));
}

LineResult parse_header(std::size_t line, std::string_view text, ContentIndex& index) {
  switch (line) {
  case 0:
    if (auto version = parse_magic(text); !version) {
      return refuse(std::move(version.error()));
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

// The entry of record "entry <fields>" (`rest` after "entry "), checked on
// its own and against the offset of the entry before it, if any.
tl::expected<IndexEntry, std::string> parse_checked_entry(std::string_view rest,
                                                          const std::uint64_t* previous_offset) {
  auto entry = parse_entry_fields(rest);
  if (!entry) {
    return tl::make_unexpected("not a valid entry record");
  }
  if (!safe_member_name(entry->path)) {
    return tl::make_unexpected(
        "an entry path that is empty, absolute or has an empty, \".\" or \"..\" part");
  }
  if (entry->type != IndexEntryType::file && entry->size != 0) {
    return tl::make_unexpected("a size on an entry that is not a file");
  }
  if (entry->offset % k_tar_block != 0 ||
      (previous_offset != nullptr && entry->offset <= *previous_offset)) {
    return tl::make_unexpected(
        "an entry offset that is not on a tar block after the previous entry");
  }
  return std::move(*entry);
}

LineResult parse_entry(std::string_view rest, ContentIndex& index) {
  auto entry =
      parse_checked_entry(rest, index.entries.empty() ? nullptr : &index.entries.back().offset);
  if (!entry) {
    return refuse(std::move(entry.error()));
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

// The line of one entry.
std::string entry_line(const IndexEntry& entry) {
  return fmt::format("entry {} {} {:o} {} {} {} {} {}\n",
                     k_type_names.at(static_cast<std::size_t>(entry.type)), entry.size, entry.mode,
                     entry.uid, entry.gid, entry.mtime, entry.offset,
                     core::escape_field(entry.path));
}

// "block <count> <bytes> <first offset> [<sha256>] <min path>\t<max path>"
// (the digest of the block's lines from version 3 on): the paths escaped,
// so neither holds a tab.
tl::expected<IndexBlock, std::string> parse_block(std::string_view rest, int version) {
  std::array<std::string_view, 4> fields;
  for (std::size_t i = 0; i < (version >= 3 ? 4U : 3U); ++i) {
    const auto taken = take_field(rest);
    if (!taken) {
      return tl::make_unexpected("not a valid block record");
    }
    fields[i] = *taken;
  }
  const auto tab = rest.find('\t');
  const auto count = parse_number<std::size_t>(fields[0]);
  const auto size = parse_number<std::size_t>(fields[1]);
  const auto first_offset = parse_number<std::uint64_t>(fields[2]);
  const auto digest = version >= 3 ? core::digest_from_hex(fields[3]) : std::nullopt;
  auto min_path = core::unescape_field(rest.substr(0, tab));
  auto max_path =
      tab == std::string_view::npos ? std::nullopt : core::unescape_field(rest.substr(tab + 1));
  if (!count || !size || !first_offset || !min_path || !max_path || *count == 0 ||
      *min_path > *max_path || (version >= 3 && !digest)) {
    return tl::make_unexpected("not a valid block record");
  }
  return IndexBlock{
      0, *count, 0, *size, *first_offset, std::move(*min_path), std::move(*max_path), digest};
}

// The shortest line an entry can have: "entry dir 0 0 0 0 0 0 x\n". A
// block's count is checked against it before anything is sized by it.
constexpr std::size_t k_shortest_entry_line = 24;

// A version 1 index: the records in one pass.
tl::expected<ContentIndex, std::string> decode_version_1(std::string_view text) {
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

std::string line_error(std::size_t line, std::string_view why) {
  return fmt::format("line {}: {}", line, why);
}

// Whether `text` is the whole index or its head alone.
enum class Holds { whole, head };

// The head of a version 2 or 3 index: the header lines, the frames and the
// block table, up to the first entry (or the end line), or to the end of
// `text` when it holds the head alone. Gives where the head ends and its
// number of lines.
tl::expected<std::pair<std::size_t, std::size_t>, std::string>
read_head(std::string_view text, Holds holds, int version, ContentIndex& index,
          std::vector<IndexBlock>& blocks) {
  constexpr std::size_t k_header_lines = 5;
  std::size_t at = 0;
  std::size_t line = 0;
  while (true) {
    const auto newline = text.find('\n', at);
    if (newline == std::string_view::npos && holds == Holds::head && at == text.size() &&
        line >= k_header_lines) {
      return std::pair{at, line};
    }
    if (newline == std::string_view::npos) {
      return tl::make_unexpected(at == text.size()
                                     ? std::string("the content index is incomplete (no end line)")
                                     : line_error(line + 1, "no final newline"));
    }
    const auto current = text.substr(at, newline - at);
    if (line >= k_header_lines && (current.starts_with("entry ") || current.starts_with("end "))) {
      return std::pair{at, line};
    }
    ++line;
    LineResult checked;
    if (line <= k_header_lines) {
      checked = parse_header(line - 1, current, index);
    } else if (current.starts_with("block ")) {
      auto block = parse_block(current.substr(6), version);
      if (block) {
        blocks.push_back(std::move(*block));
      } else {
        checked = refuse(std::move(block.error()));
      }
    } else if (!blocks.empty() && current.starts_with("frame ")) {
      checked = refuse("a frame record after the blocks");
    } else {
      checked = parse_record(current, index);
    }
    if (!checked) {
      return tl::make_unexpected(line_error(line, checked.error()));
    }
    at = newline + 1;
  }
}

// Places the blocks one after another from `head_end`, where the head
// ends, and checks that they end at `end_at`, where the end line starts.
// `text` is the whole index, or empty when only the head was read (then a
// block's last byte is checked when it is read, by its digest). Gives the
// number of entries.
tl::expected<std::size_t, std::string> lay_blocks(std::string_view text, std::uint64_t head_end,
                                                  std::uint64_t end_at,
                                                  std::vector<IndexBlock>& blocks) {
  std::uint64_t at = head_end;
  std::size_t place = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    auto& block = blocks[i];
    // Whole lines: a block ends with a newline (and so the next one starts
    // a line).
    if (block.text_size > end_at - at || block.count > block.text_size / k_shortest_entry_line ||
        (!text.empty() && text[at + block.text_size - 1] != '\n') ||
        (i > 0 && block.first_offset <= blocks[i - 1].first_offset)) {
      return tl::make_unexpected(
          fmt::format("block {}: its size, count or first offset does not fit the entries", i + 1));
    }
    block.first = place;
    block.text_offset = static_cast<std::size_t>(at);
    place += block.count;
    at += block.text_size;
  }
  if (at != end_at) {
    return tl::make_unexpected("the blocks do not cover the entries");
  }
  return place;
}

// The end line of an index with these records.
std::string end_line_of(std::size_t frames, std::size_t blocks, std::size_t entries) {
  return fmt::format("end {}\n", frames + blocks + entries);
}

// Places the blocks in the text after the head, which ends at `head_end`,
// and checks that they cover every entry line up to the end line, whose
// count is the number of records.
tl::expected<std::size_t, std::string> place_blocks(std::string_view text, std::size_t head_end,
                                                    std::size_t frames,
                                                    std::vector<IndexBlock>& blocks) {
  if (!text.ends_with('\n')) {
    return tl::make_unexpected("the content index has no final newline");
  }
  const auto last_line = text.rfind('\n', text.size() - 2);
  const std::size_t end_at = last_line == std::string_view::npos ? 0 : last_line + 1;
  const auto end_line = text.substr(end_at, text.size() - 1 - end_at);
  if (!end_line.starts_with("end ") || end_at < head_end) {
    return tl::make_unexpected("the content index is incomplete (no end line)");
  }
  const auto place = lay_blocks(text, head_end, end_at, blocks);
  if (place && parse_number<std::size_t>(end_line.substr(4)) != frames + blocks.size() + *place) {
    return tl::make_unexpected("the end line's count does not match the records");
  }
  return place;
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
  // The block table, then the entries it describes.
  std::string entries;
  std::size_t blocks = 0;
  for (std::size_t first = 0; first < index.entries.size(); first += k_index_block_entries) {
    const std::size_t end = std::min(index.entries.size(), first + k_index_block_entries);
    const std::size_t size_before = entries.size();
    std::string_view min_path = index.entries[first].path;
    std::string_view max_path = min_path;
    for (std::size_t i = first; i < end; ++i) {
      entries += entry_line(index.entries[i]);
      min_path = std::min<std::string_view>(min_path, index.entries[i].path);
      max_path = std::max<std::string_view>(max_path, index.entries[i].path);
    }
    const auto lines = std::string_view(entries).substr(size_before);
    out += fmt::format("block {} {} {} {} {}\t{}\n", end - first, lines.size(),
                       index.entries[first].offset, core::to_hex(core::sha256(lines)),
                       core::escape_field(min_path), core::escape_field(max_path));
    ++blocks;
  }
  out += entries;
  out += end_line_of(index.frames.size(), blocks, index.entries.size());
  return out;
}

std::size_t content_index_head_size(std::string_view encoded) {
  // Escaped fields hold no newline, so a line that starts with "entry " or
  // "end " is one.
  const auto entry = encoded.find("\nentry ");
  return (entry != std::string_view::npos ? entry : encoded.find("\nend ")) + 1;
}

tl::expected<PartialIndex, std::string> PartialIndex::open(std::string text) {
  PartialIndex opened;
  const auto first_line = std::string_view(text).substr(0, text.find('\n'));
  const auto version = parse_magic(first_line);
  if (!version) {
    return tl::make_unexpected(line_error(1, version.error()));
  }
  if (*version == 1) {
    auto whole = decode_version_1(text);
    if (!whole) {
      return tl::make_unexpected(std::move(whole.error()));
    }
    opened.m_entry_count = whole->entries.size();
    opened.m_entries.push_back(std::move(whole->entries));
    whole->entries.clear();
    opened.m_index = std::move(*whole);
    return opened;
  }
  auto head = read_head(text, Holds::whole, *version, opened.m_index, opened.m_blocks);
  if (!head) {
    return tl::make_unexpected(std::move(head.error()));
  }
  const auto entries =
      place_blocks(text, head->first, opened.m_index.frames.size(), opened.m_blocks);
  if (!entries) {
    return tl::make_unexpected(std::move(entries.error()));
  }
  if (auto laid_out = opened.lay_out(*entries, head->second); !laid_out) {
    return tl::make_unexpected(std::move(laid_out.error()));
  }
  opened.m_text = std::move(text);
  return opened;
}

tl::expected<void, std::string> PartialIndex::lay_out(std::size_t entries, std::size_t head_lines) {
  if (m_index.mode == config::ArchiveMode::tarzst && m_index.frames.empty()) {
    return tl::make_unexpected("a tarzst archive's index without frames");
  }
  // Each block's entries are kept in a vector of their own, made when the
  // block is decoded: one path of a 100 000-entry index costs its block,
  // not 8 MB of empty records.
  m_entry_count = entries;
  m_entries.assign(std::max<std::size_t>(m_blocks.size(), 1), {});
  m_block_decoded.assign(m_blocks.size(), false);
  m_head_lines = head_lines;
  return {};
}

tl::expected<PartialIndex, std::string>
PartialIndex::open_head(std::string head, std::uint64_t file_size, ReadAt read) {
  PartialIndex opened;
  const auto first_line = std::string_view(head).substr(0, head.find('\n'));
  const auto version = parse_magic(first_line);
  if (!version || *version < 3) {
    return tl::make_unexpected(
        line_error(1, fmt::format("not a cback content index version {} or later", 3)));
  }
  auto read_to = read_head(head, Holds::head, *version, opened.m_index, opened.m_blocks);
  if (!read_to) {
    return tl::make_unexpected(std::move(read_to.error()));
  }
  if (read_to->first != head.size()) {
    return tl::make_unexpected(line_error(read_to->second + 1, "an entry or end line in the head"));
  }
  // The blocks end where the end line starts; its length depends on the
  // count it gives, from the blocks' counts (a count that does not fit its
  // block's bytes is refused below). The end line itself is not read: the
  // head's and the blocks' digests cover every other byte.
  std::size_t entries = 0;
  for (const auto& block : opened.m_blocks) {
    entries += block.count;
  }
  const auto end_line = end_line_of(opened.m_index.frames.size(), opened.m_blocks.size(), entries);
  if (file_size < head.size() + end_line.size()) {
    return tl::make_unexpected("the content index is shorter than its head and end line");
  }
  const auto laid = lay_blocks({}, head.size(), file_size - end_line.size(), opened.m_blocks);
  if (!laid) {
    return tl::make_unexpected(std::move(laid.error()));
  }
  if (auto laid_out = opened.lay_out(*laid, read_to->second); !laid_out) {
    return tl::make_unexpected(std::move(laid_out.error()));
  }
  opened.m_read = std::move(read);
  return opened;
}

tl::expected<void, std::string> PartialIndex::decode_block(std::size_t block, Places& places,
                                                           std::optional<std::string_view> given) {
  const IndexBlock& described = m_blocks[block];
  if (m_block_decoded[block]) {
    places.emplace_back(described.first, described.count);
    return {};
  }
  const std::uint64_t* next_offset =
      block + 1 < m_blocks.size() ? &m_blocks[block + 1].first_offset : nullptr;
  // Opened whole, the index was checked whole against the manifest; opened
  // by its head, each block is read now and checked against its digest.
  std::string read;
  if (m_text.empty() && !given) {
    read = m_read(described.text_offset, described.text_size);
  }
  auto text = !m_text.empty()
                  ? std::string_view(m_text).substr(described.text_offset, described.text_size)
              : given ? *given
                      : std::string_view(read);
  if (m_text.empty() && (!described.sha256 || text.size() != described.text_size ||
                         core::sha256(text) != *described.sha256)) {
    return tl::make_unexpected(line_error(
        m_head_lines + described.first + 1,
        fmt::format("block {}'s lines do not match the SHA-256 of its record", block + 1)));
  }
  if (!text.ends_with('\n')) {
    return tl::make_unexpected(
        line_error(m_head_lines + described.first + described.count,
                   fmt::format("block {} does not end with a whole line", block + 1)));
  }
  std::vector<IndexEntry> decoded;
  decoded.reserve(described.count);
  std::string_view min_path;
  std::string_view max_path;
  std::size_t place = described.first;
  std::size_t line = m_head_lines + place;
  while (!text.empty()) {
    ++line;
    const auto newline = text.find('\n');
    const auto current = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (place == described.first + described.count || !current.starts_with("entry ")) {
      return tl::make_unexpected(line_error(line, "not an entry of the block that holds it"));
    }
    auto entry =
        parse_checked_entry(current.substr(6), decoded.empty() ? nullptr : &decoded.back().offset);
    if (entry && ((place == described.first && entry->offset != described.first_offset) ||
                  (next_offset != nullptr && entry->offset >= *next_offset))) {
      entry = tl::make_unexpected(std::string("an entry offset outside its block"));
    }
    if (!entry) {
      return tl::make_unexpected(line_error(line, entry.error()));
    }
    decoded.push_back(std::move(*entry));
    const std::string_view path = decoded.back().path;
    min_path = place == described.first ? path : std::min(min_path, path);
    max_path = place == described.first ? path : std::max(max_path, path);
    ++place;
  }
  if (place != described.first + described.count || min_path != described.min_path ||
      max_path != described.max_path) {
    return tl::make_unexpected(line_error(
        line, fmt::format("block {} does not hold the entries its record says", block + 1)));
  }
  m_entries[block] = std::move(decoded);
  m_block_decoded[block] = true;
  places.emplace_back(described.first, described.count);
  return {};
}

tl::expected<PartialIndex::Places, std::string>
PartialIndex::decode_below(std::string_view member) {
  if (m_blocks.empty()) {
    return Places{{0, m_entry_count}}; // version 1 or no entries: all decoded
  }
  // An entry at or below `member` is `member` or starts with `member/`:
  // its path (a directory's with a final '/') is at least `member` and
  // less than `member` followed by '0', the byte after '/'.
  const std::string after = std::string(member) + "0";
  std::vector<std::size_t> wanted;
  for (std::size_t i = 0; i < m_blocks.size(); ++i) {
    if (member.empty() || (m_blocks[i].max_path >= member && m_blocks[i].min_path < after)) {
      wanted.push_back(i);
    }
  }
  return decode_blocks(wanted);
}

// Opened by its head, blocks next to one another that are still to be
// decoded are read in one piece: one read for a path's few blocks, and
// one for all of them (find), rather than a read per block, which from a
// bucket is a request per block.
tl::expected<PartialIndex::Places, std::string>
PartialIndex::decode_blocks(const std::vector<std::size_t>& wanted) {
  Places places;
  for (std::size_t at = 0; at < wanted.size();) {
    std::size_t end = at + 1;
    std::string run;
    std::size_t run_start = 0;
    if (m_text.empty() && !m_block_decoded[wanted[at]]) {
      while (end < wanted.size() && wanted[end] == wanted[end - 1] + 1 &&
             !m_block_decoded[wanted[end]]) {
        ++end;
      }
      const IndexBlock& last = m_blocks[wanted[end - 1]];
      run_start = m_blocks[wanted[at]].text_offset;
      run = m_read(run_start, last.text_offset + last.text_size - run_start);
    }
    for (std::size_t i = at; i < end; ++i) {
      std::optional<std::string_view> given;
      if (m_text.empty() && !m_block_decoded[wanted[i]]) {
        // A run read short gives the blocks past its end fewer bytes, which
        // their digests refuse.
        const auto offset = std::min(m_blocks[wanted[i]].text_offset - run_start, run.size());
        given = std::string_view(run).substr(offset, m_blocks[wanted[i]].text_size);
      }
      if (auto done = decode_block(wanted[i], places, given); !done) {
        return tl::make_unexpected(std::move(done.error()));
      }
    }
    at = end;
  }
  return places;
}

tl::expected<PartialIndex::Places, std::string> PartialIndex::decode_at(std::size_t place) {
  if (m_blocks.empty()) {
    return Places{{0, m_entry_count}};
  }
  Places places;
  if (auto done = decode_block(block_of(place), places); !done) {
    return tl::make_unexpected(std::move(done.error()));
  }
  return places;
}

std::size_t PartialIndex::block_of(std::size_t place) const {
  const auto after = std::upper_bound(
      m_blocks.begin(), m_blocks.end(), place,
      [](std::size_t wanted, const IndexBlock& block) { return wanted < block.first; });
  return static_cast<std::size_t>(std::prev(after) - m_blocks.begin());
}

bool PartialIndex::decoded(std::size_t place) const {
  return m_blocks.empty() || m_block_decoded[block_of(place)];
}

const IndexEntry& PartialIndex::entry(std::size_t place) const {
  if (m_blocks.empty()) {
    return m_entries.front().at(place);
  }
  const std::size_t block = block_of(place);
  if (!m_block_decoded[block]) {
    throw std::logic_error("an index entry read before its block was decoded");
  }
  return m_entries[block].at(place - m_blocks[block].first);
}

std::span<IndexEntry> PartialIndex::entries_of(std::pair<std::size_t, std::size_t> run) {
  if (m_blocks.empty()) {
    return std::span(m_entries.front()).subspan(run.first, run.second);
  }
  const std::size_t block = block_of(run.first);
  if (!m_block_decoded[block] || m_blocks[block].first != run.first ||
      m_blocks[block].count != run.second) {
    throw std::logic_error("index entries asked for by a run that is not a decoded block");
  }
  return m_entries[block];
}

tl::expected<ContentIndex, std::string> PartialIndex::whole() && {
  if (auto all = decode_below(""); !all) {
    return tl::make_unexpected(std::move(all.error()));
  }
  m_index.entries.reserve(m_entry_count);
  for (auto& block : m_entries) {
    std::move(block.begin(), block.end(), std::back_inserter(m_index.entries));
  }
  return std::move(m_index);
}

tl::expected<ContentIndex, std::string> decode_content_index(std::string_view text) {
  auto partial = PartialIndex::open(std::string(text));
  if (!partial) {
    return tl::make_unexpected(std::move(partial.error()));
  }
  return std::move(*partial).whole();
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
