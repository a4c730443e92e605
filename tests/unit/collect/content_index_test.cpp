#include <cback/collect/content_index.hpp>
#include <cback/core/digest.hpp>

#include "support/temp_dir.hpp"

#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace cback::collect {
namespace {

ContentIndex sample() {
  ContentIndex index;
  index.archive = "home.tar.zst";
  index.item = "/home";
  index.kind = ArchiveKind::incremental;
  index.cumulative = true;
  index.mode = config::ArchiveMode::tarzst;
  index.frames = {{0, 0}, {1200, 4194304}};
  index.entries = {
      {"home/", IndexEntryType::directory, 0, 0755, 0, 0, 1764547200, 0},
      {"home/anna/a\tb\nc\\d", IndexEntryType::file, 12, 0644, 1000, 1000, 1764547201, 1536},
      {"home/anna/\xff\xfe", IndexEntryType::symlink, 0, 0777, 1000, 1000, -5, 3072},
      {"home/anna/link", IndexEntryType::hardlink, 0, 0644, 1000, 1000, 1764547201, 4608},
      {"home/fifo", IndexEntryType::other, 0, 04710, 0, 0, 0, 5120},
  };
  return index;
}

// `text` (encoded) as version 2 wrote it: the same, without the blocks'
// digests.
std::string as_version_2(std::string text) {
  text.replace(0, 13, "cback-index 2");
  for (auto at = text.find("\nblock "); at != std::string::npos;
       at = text.find("\nblock ", at + 1)) {
    // "block <count> <bytes> <first offset> <sha256> ": the fourth field.
    auto field = at + 1;
    for (int i = 0; i < 4; ++i) {
      field = text.find(' ', field) + 1;
    }
    text.erase(field, 65);
  }
  return text;
}

// The sample's version 2 text with the last `from` replaced by `to`; an
// edit of the entries keeps the block record's size in step, so that the
// entry itself is what is refused. (Version 3 checks the same records the
// same way; what it adds, the blocks' digests, is checked below.)
std::string edited(std::string_view from, std::string_view to) {
  auto text = as_version_2(encode_content_index(sample()));
  const auto at = text.rfind(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  const std::string block = "block 5 261 ";
  const auto table = text.find(block);
  if (table != std::string::npos && at > table) {
    const auto size = 261 + static_cast<long>(to.size()) - static_cast<long>(from.size());
    text.replace(table, block.size(), "block 5 " + std::to_string(size) + " ");
  }
  return text;
}

// The sample's text: its header lines after the magic line (frames
// included), and its entry lines.
constexpr std::string_view k_header = "archive home.tar.zst\n"
                                      "item /home\n"
                                      "kind incremental cumulative\n"
                                      "mode tarzst\n"
                                      "frame 0 0\n"
                                      "frame 1200 4194304\n";
constexpr std::string_view k_entries =
    "entry dir 0 755 0 0 1764547200 0 home/\n"
    "entry file 12 644 1000 1000 1764547201 1536 home/anna/a\\x09b\\x0ac\\\\d\n"
    "entry symlink 0 777 1000 1000 -5 3072 home/anna/\xff\xfe\n"
    "entry hardlink 0 644 1000 1000 1764547201 4608 home/anna/link\n"
    "entry other 0 4710 0 0 0 5120 home/fifo\n";

// The sample as version 1 wrote it: no block table.
const std::string k_version_1 =
    "cback-index 1\n" + std::string(k_header) + std::string(k_entries) + "end 7\n";

// An index of `count` files "d<i / 100>/f<i>", in archive order.
ContentIndex many(std::size_t count) {
  ContentIndex index;
  index.archive = "many.tar.zst";
  index.item = "/many";
  index.frames = {{0, 0}};
  for (std::size_t i = 0; i < count; ++i) {
    index.entries.push_back({"d" + std::to_string(1000 + i / 100) + "/f" + std::to_string(i),
                             IndexEntryType::file, i, 0644, 0, 0, 0, 512 * (i + 1)});
  }
  return index;
}

TEST_CASE("A content index reads back as it was written", "[collect][index]") {
  const auto decoded = decode_content_index(encode_content_index(sample()));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == sample());

  auto plain = sample();
  plain.mode = config::ArchiveMode::targz;
  plain.frames.clear();
  plain.kind = ArchiveKind::full;
  plain.cumulative = false;
  const auto decoded_plain = decode_content_index(encode_content_index(plain));
  REQUIRE(decoded_plain.has_value());
  CHECK(*decoded_plain == plain);
}

TEST_CASE("The content index format is one line per record with escaped paths",
          "[collect][index]") {
  const std::string head = "cback-index 3\n" + std::string(k_header) + "block 5 261 0 " +
                           core::to_hex(core::sha256(k_entries)) + " home/\thome/fifo\n";
  const auto text = encode_content_index(sample());
  CHECK(text == head + std::string(k_entries) + "end 8\n");
  CHECK(content_index_head_size(text) == head.size());
  CHECK(as_version_2(text) == "cback-index 2\n" + std::string(k_header) +
                                  "block 5 261 0 home/\thome/fifo\n" + std::string(k_entries) +
                                  "end 8\n");
}

TEST_CASE("A version 1 content index (no block table) is still read", "[collect][index]") {
  const auto decoded = decode_content_index(k_version_1);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == sample());
  auto partial = PartialIndex::open(k_version_1);
  REQUIRE(partial.has_value());
  CHECK(partial->entry_count() == 5);
  CHECK(partial->entry(4) == sample().entries[4]);
  CHECK(partial->decode_below("home/fifo").value() == PartialIndex::Places{{0, 5}});
  CHECK(std::move(*partial).whole().value() == sample());
}

TEST_CASE("A damaged or hostile content index is refused with the line at fault",
          "[collect][index]") {
  const auto error = [](const std::string& text) {
    const auto decoded = decode_content_index(text);
    REQUIRE_FALSE(decoded.has_value());
    return decoded.error();
  };
  const auto good = as_version_2(encode_content_index(sample()));
  CHECK(error("cback-manifest 2 x\n") == "line 1: not a cback content index (version 1 to 3)");
  CHECK(error("cback-index 4\n") == "line 1: not a cback content index (version 1 to 3)");
  CHECK(error(good.substr(0, good.size() - 6)) == "the content index is incomplete (no end line)");
  CHECK(error(good.substr(0, good.size() - 1)) == "the content index has no final newline");
  CHECK(error(good.substr(0, 40)) == "line 3: no final newline");
  CHECK(error(good + "entry file 0 644 0 0 0 6144 x\n") ==
        "the content index is incomplete (no end line)");
  CHECK(error(edited("end 8", "end 7")) == "the end line's count does not match the records");
  CHECK(error(edited("archive home.tar.zst", "archive ../home.tar.zst")) ==
        "line 2: not a valid archive name");
  CHECK(error(edited("archive home.tar.zst", "archive ")) == "line 2: not a valid archive name");
  CHECK(error(edited("item /home", "items /home")) == "line 3: expected \"item <name>\"");
  CHECK(error(edited("item /home", "item /ho\\xzz")) == "line 3: not a valid item name");
  CHECK(error(edited("kind incremental cumulative", "kind full cumulative")) ==
        "line 4: expected \"kind full\", \"kind incremental\" or \"kind incremental cumulative\"");
  CHECK(error(edited("mode tarzst", "mode zip")) ==
        "line 5: expected \"mode tar|targz|tarbz2|tarzst\"");
  CHECK(error(edited("frame 0 0\n", "")) == "line 6: the frames do not start at 0 0 and increase");
  CHECK(error(edited("frame 1200 4194304", "frame 1200 0")) ==
        "line 7: the frames do not start at 0 0 and increase");
  CHECK(error(edited("frame 1200 4194304", "frame 12x0 4194304")) ==
        "line 7: not a valid frame record");
  CHECK(error(edited("mode tarzst", "mode targz")) ==
        "line 6: a frame record in an archive that is not tarzst");
  CHECK(error("cback-index 2\narchive a.tar.zst\nitem /a\nkind full\nmode tarzst\nend 0\n") ==
        "a tarzst archive's index without frames");
  CHECK(error(good.substr(0, good.size() - 6) + "frame 9000 9999999\nend 9\n") ==
        "the blocks do not cover the entries");
  CHECK(error(edited("entry dir", "entry socket")) == "line 9: not a valid entry record");
  CHECK(error(edited("0 755 0 0 1764547200 0 home/", "0 755 0 0 1764547200 0")) ==
        "line 9: not a valid entry record");
  CHECK(error(edited("0 755 0 0", "0 759 0 0")) == "line 9: not a valid entry record");
  CHECK(error(edited("0 755 0 0", "0 17755 0 0")) == "line 9: not a valid entry record");
  CHECK(error(edited("0 755 0 0", "0 755 -1 0")) == "line 9: not a valid entry record");
  CHECK(error(edited("entry dir 0", "entry dir 9")) ==
        "line 9: a size on an entry that is not a file");
  CHECK(error(edited("1764547201 1536", "1764547201 1537")) ==
        "line 10: an entry offset that is not on a tar block after the previous entry");
  CHECK(error(edited("1764547201 1536", "1764547201 0")) ==
        "line 10: an entry offset that is not on a tar block after the previous entry");
  CHECK(error(edited("entry other", "bogus other")) ==
        "line 13: not an entry of the block that holds it");
  // Version 1 refuses the same damage at the same entry.
  CHECK(error(std::string(k_version_1).replace(k_version_1.find("entry dir"), 9, "entry socket")) ==
        "line 8: not a valid entry record");
  for (const auto* path : {"/etc/passwd", "home/../../etc", "..", "home//x", "./home", "home/.",
                           "home\\x00x", "home/anna\\"}) {
    INFO(path);
    const auto text = edited("home/fifo", path);
    const auto decoded = decode_content_index(text);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().starts_with("line 13: "));
  }
}

TEST_CASE("A damaged or hostile block table is refused", "[collect][index]") {
  const auto error = [](const std::string& text) {
    const auto decoded = decode_content_index(text);
    REQUIRE_FALSE(decoded.has_value());
    return decoded.error();
  };
  const std::string_view table = "block 5 261 0 home/\thome/fifo";
  const auto with_table = [&](std::string_view record) { return edited(table, record); };
  CHECK(error(with_table("block 5 261 0 home/")) == "line 8: not a valid block record");
  CHECK(error(with_table("block 0 261 0 home/\thome/fifo")) == "line 8: not a valid block record");
  CHECK(error(with_table("block 5 261 0 home/fifo\thome/")) == "line 8: not a valid block record");
  CHECK(error(with_table("block 5 x 0 home/\thome/fifo")) == "line 8: not a valid block record");
  // Sizes and counts that do not fit the text: refused before anything is
  // read or sized by them.
  for (const auto* record : {"block 5 262 0 home/\thome/fifo", "block 5 260 0 home/\thome/fifo",
                             "block 5 99999999999 0 home/\thome/fifo",
                             "block 18446744073709551615 261 0 home/\thome/fifo",
                             "block 5 18446744073709551615 0 home/\thome/fifo"}) {
    INFO(record);
    CHECK_FALSE(decode_content_index(with_table(record)).has_value());
  }
  CHECK(error(with_table("block 4 261 0 home/\thome/fifo")) ==
        "the end line's count does not match the records");
  CHECK(error(with_table("block 5 261 512 home/\thome/fifo")) ==
        "line 9: an entry offset outside its block");
  CHECK(error(with_table("block 5 261 0 home/\thome/zz")) ==
        "line 13: block 1 does not hold the entries its record says");
  CHECK(error(with_table("block 5 261 0 a\tz\nframe 1 1")) ==
        "line 9: a frame record after the blocks");
  CHECK(error(with_table("block 1 39 0 home/\thome/\nblock 4 222 0 a\tz")) ==
        "block 2: its size, count or first offset does not fit the entries");
}

TEST_CASE("A version 2 index decodes only the blocks that can hold a path", "[collect][index]") {
  const auto index = many(1000);
  const auto text = encode_content_index(index);
  auto partial = PartialIndex::open(text);
  REQUIRE(partial.has_value());
  REQUIRE(partial->entry_count() == 1000);
  CHECK(partial->index().entries.empty());
  CHECK_FALSE(partial->decoded(300));
  CHECK_THROWS_AS(partial->entry(300), std::logic_error);

  // d1003/f300 is the 301st entry: in the second block, [256, 512).
  const auto places = partial->decode_below("d1003/f300");
  REQUIRE(places.has_value());
  CHECK(*places == PartialIndex::Places{{256, 256}});
  CHECK(partial->entry(300) == index.entries[300]);
  CHECK(partial->entries_of({256, 256}).size() == 256);
  CHECK(partial->entries_of({256, 256})[44] == index.entries[300]);
  CHECK_THROWS_AS(partial->entries_of({256, 200}), std::logic_error);
  CHECK(partial->decoded(511));
  CHECK_FALSE(partial->decoded(512));
  CHECK_THROWS_AS(partial->entries_of({512, 256}), std::logic_error);
  // A directory's entries span blocks: d1002 is entries 200 to 299.
  CHECK(partial->decode_below("d1002").value() == PartialIndex::Places{{0, 256}, {256, 256}});
  CHECK(partial->decode_at(999).value() == PartialIndex::Places{{768, 232}});
  CHECK(partial->entry(999) == index.entries[999]);
  CHECK(partial->decode_below("nothing").value().empty());

  // Everything decoded is the whole index.
  CHECK(std::move(*partial).whole().value() == index);
  CHECK(decode_content_index(text).value() == index);
}

TEST_CASE("A damaged block is refused when it is decoded, naming its line", "[collect][index]") {
  auto text = encode_content_index(many(1000));
  // The same length, in the third block: entry 600's mode.
  const auto at = text.find(" 644 0 0 0 307712 ");
  REQUIRE(at != std::string::npos);
  text.replace(at, 4, " 999");
  auto partial = PartialIndex::open(text);
  REQUIRE(partial.has_value());
  CHECK(partial->decode_below("d1003").has_value());
  const auto damaged = partial->decode_below("d1006/f600");
  REQUIRE_FALSE(damaged.has_value());
  // 5 header lines, 1 frame, 4 blocks, then entry 600.
  CHECK(damaged.error() == "line 611: not a valid entry record");
  CHECK_FALSE(decode_content_index(text).has_value());
}

TEST_CASE("Any damage to an index is refused or read, never read out of bounds",
          "[collect][index]") {
  // Random byte changes, cuts and insertions: each text opens and decodes
  // or is refused; under the sanitizers an out-of-bounds read fails here.
  const auto good = encode_content_index(many(600));
  std::mt19937 random(7);
  const std::string bytes = "0123456789 \t\n\\/.-abxblockentryend";
  for (int round = 0; round < 3000; ++round) {
    std::string text = good;
    for (int change = 0; change < 1 + round % 3; ++change) {
      const auto at = random() % text.size();
      switch (random() % 3) {
      case 0:
        text[at] = bytes[random() % bytes.size()];
        break;
      case 1:
        text.erase(at, 1 + random() % 40);
        break;
      default:
        text.insert(at, 1, bytes[random() % bytes.size()]);
      }
      if (text.empty()) {
        text = "x";
      }
    }
    auto partial = PartialIndex::open(text);
    if (!partial) {
      CHECK_FALSE(partial.error().empty());
      continue;
    }
    const auto size = partial->entry_count();
    for (const auto* member : {"d1003/f333", "d1005", ""}) {
      const auto places = partial->decode_below(member);
      if (places) {
        for (const auto& [first, count] : *places) {
          CHECK(first + count <= size);
        }
      }
    }
    if (size > 0) {
      (void)partial->decode_at(size - 1);
    }
  }
}

// An index opened by its head over `file`, whose reads are recorded.
struct HeadOpened {
  std::string file;
  std::vector<std::pair<std::uint64_t, std::size_t>> reads;

  explicit HeadOpened(std::string text) : file(std::move(text)) {}

  tl::expected<PartialIndex, std::string> open(std::size_t head_size) {
    return open(head_size, file.size());
  }
  tl::expected<PartialIndex, std::string> open(std::size_t head_size, std::uint64_t file_size) {
    return PartialIndex::open_head(
        file.substr(0, head_size), file_size, [this](std::uint64_t offset, std::size_t size) {
          reads.emplace_back(offset, size);
          return offset >= file.size() ? std::string() : file.substr(offset, size);
        });
  }
};

TEST_CASE("A version 3 index opened by its head reads and checks only the blocks it decodes",
          "[collect][index]") {
  const auto index = many(1000);
  HeadOpened opened(encode_content_index(index));
  const auto head_size = content_index_head_size(opened.file);
  auto partial = opened.open(head_size);
  REQUIRE(partial.has_value());
  CHECK(partial->index().frames == index.frames);
  REQUIRE(partial->entry_count() == 1000);
  CHECK(opened.reads.empty());

  // d1003/f300 is in the second block only: one read, of that block.
  CHECK(partial->decode_below("d1003/f300").value() == PartialIndex::Places{{256, 256}});
  REQUIRE(opened.reads.size() == 1);
  CHECK(opened.reads[0].first > head_size);
  CHECK(opened.reads[0].second < opened.file.size() / 3);
  CHECK(partial->entry(300) == index.entries[300]);
  CHECK(partial->decode_below("d1003/f300").has_value());
  CHECK(opened.reads.size() == 1); // decoded once
  // The rest: the first block, then the third and fourth in one read.
  CHECK(std::move(*partial).whole().value() == index);
  CHECK(opened.reads.size() == 3);
  HeadOpened all(opened.file);
  REQUIRE(all.open(head_size)->decode_below("").has_value());
  CHECK(all.reads == decltype(all.reads){{head_size, opened.file.size() - head_size - 9}});
  // Opened whole, the same text reads the same.
  CHECK(decode_content_index(opened.file).value() == index);
}

TEST_CASE("A damaged or hostile index opened by its head is refused", "[collect][index]") {
  const auto good = encode_content_index(many(1000));
  const auto head_size = content_index_head_size(good);
  const auto error_of = [&](tl::expected<PartialIndex, std::string> opened) {
    REQUIRE_FALSE(opened.has_value());
    return opened.error();
  };

  SECTION("a block whose bytes are not those its digest says") {
    // The same length, in the third block: entry 600's mode; a check of
    // the entry alone would find it too, but the digest comes first.
    HeadOpened opened(good);
    const auto at = opened.file.find(" 644 0 0 0 307712 ");
    opened.file.replace(at, 4, " 645");
    auto partial = opened.open(head_size);
    REQUIRE(partial.has_value());
    CHECK(partial->decode_below("d1003").has_value());
    CHECK(partial->decode_below("d1006/f600").error() ==
          "line 523: block 3's lines do not match the SHA-256 of its record");
    CHECK_FALSE(partial->decoded(600));
  }
  SECTION("a file that ends inside a block") {
    HeadOpened opened(good.substr(0, good.size() - 100));
    auto partial = opened.open(head_size, good.size());
    REQUIRE(partial.has_value());
    CHECK(partial->decode_below("d1009").error() ==
          "line 779: block 4's lines do not match the SHA-256 of its record");
  }
  SECTION("a size that does not fit the blocks and the end line") {
    HeadOpened opened(good);
    CHECK(error_of(opened.open(head_size, good.size() + 1)) ==
          "the blocks do not cover the entries");
    CHECK(error_of(opened.open(head_size, good.size() - 1)) ==
          "block 4: its size, count or first offset does not fit the entries");
    CHECK(error_of(opened.open(head_size, head_size)) ==
          "the content index is shorter than its head and end line");
  }
  SECTION("a head that is not a whole version 3 head") {
    HeadOpened opened(good);
    CHECK(error_of(opened.open(head_size - 1)) == "line 10: no final newline");
    CHECK(error_of(opened.open(head_size + 10)).starts_with("line 11: "));
    const auto first_entry = opened.file.find('\n', head_size) + 1;
    CHECK(error_of(opened.open(first_entry)) == "line 11: an entry or end line in the head");
    HeadOpened version_2(as_version_2(good));
    CHECK(error_of(version_2.open(content_index_head_size(version_2.file))) ==
          "line 1: not a cback content index version 3 or later");
  }
  SECTION("a block record without a valid digest") {
    auto text = good;
    const auto record = text.find("block 256 ");
    const auto digest = text.find(' ', text.find(' ', text.find(' ', record + 6) + 1) + 1) + 1;
    for (const auto* bad : {"zz", "", "0"}) {
      INFO(bad);
      auto changed = text;
      changed.replace(digest, 64, bad);
      HeadOpened opened(changed);
      CHECK(error_of(opened.open(content_index_head_size(changed))) ==
            "line 7: not a valid block record");
      CHECK(decode_content_index(changed).error() == "line 7: not a valid block record");
    }
  }
}

TEST_CASE("A content index file loads, and a bad one is refused naming it", "[collect][index]") {
  test::TempDir tmp;
  const auto path = tmp / "home.tar.zst.index";
  std::ofstream(path) << encode_content_index(sample());
  const auto loaded = load_content_index(path);
  REQUIRE(loaded.has_value());
  CHECK(*loaded == sample());
  CHECK(load_content_index(tmp / "missing").error() ==
        "Cannot read content index [" + (tmp / "missing").string() + "].");
  std::ofstream(path, std::ios::trunc) << "cback-index 1\n";
  CHECK(load_content_index(path).error() ==
        "Content index [" + path.string() +
            "] is not valid: the content index is incomplete (no end line)");
}

} // namespace
} // namespace cback::collect
