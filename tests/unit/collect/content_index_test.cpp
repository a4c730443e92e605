#include <cback/collect/content_index.hpp>

#include "support/temp_dir.hpp"

#include <fstream>
#include <string>

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

// The sample's text with `from` (a whole line) replaced by `to`.
std::string edited(std::string_view from, std::string_view to) {
  auto text = encode_content_index(sample());
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
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
  CHECK(encode_content_index(sample()) ==
        "cback-index 1\n"
        "archive home.tar.zst\n"
        "item /home\n"
        "kind incremental cumulative\n"
        "mode tarzst\n"
        "frame 0 0\n"
        "frame 1200 4194304\n"
        "entry dir 0 755 0 0 1764547200 0 home/\n"
        "entry file 12 644 1000 1000 1764547201 1536 home/anna/a\\x09b\\x0ac\\\\d\n"
        "entry symlink 0 777 1000 1000 -5 3072 home/anna/\xff\xfe\n"
        "entry hardlink 0 644 1000 1000 1764547201 4608 home/anna/link\n"
        "entry other 0 4710 0 0 0 5120 home/fifo\n"
        "end 7\n");
}

TEST_CASE("A damaged or hostile content index is refused with the line at fault",
          "[collect][index]") {
  const auto error = [](const std::string& text) {
    const auto decoded = decode_content_index(text);
    REQUIRE_FALSE(decoded.has_value());
    return decoded.error();
  };
  const auto good = encode_content_index(sample());
  CHECK(error("cback-manifest 2 x\n") == "line 1: not a cback content index (version 1)");
  CHECK(error("cback-index 2\n") == "line 1: not a cback content index (version 1)");
  CHECK(error(good.substr(0, good.size() - 6)) == "the content index is incomplete (no end line)");
  CHECK(error(good.substr(0, good.size() - 1)) == "line 13: no final newline");
  CHECK(error(good + "entry file 0 644 0 0 0 6144 x\n") == "line 14: text after the end line");
  CHECK(error(edited("end 7", "end 6")) == "line 13: the count does not match the 7 records");
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
  CHECK(error("cback-index 1\narchive a.tar.zst\nitem /a\nkind full\nmode tarzst\nend 0\n") ==
        "a tarzst archive's index without frames");
  CHECK(error(edited("end 7", "frame 9000 9999999\nend 8")) ==
        "line 13: a frame record after the entries");
  CHECK(error(edited("entry dir", "entry socket")) == "line 8: not a valid entry record");
  CHECK(error(edited("0 755 0 0 1764547200 0 home/", "0 755 0 0 1764547200 0")) ==
        "line 8: not a valid entry record");
  CHECK(error(edited("0 755 0 0", "0 759 0 0")) == "line 8: not a valid entry record");
  CHECK(error(edited("0 755 0 0", "0 17755 0 0")) == "line 8: not a valid entry record");
  CHECK(error(edited("0 755 0 0", "0 755 -1 0")) == "line 8: not a valid entry record");
  CHECK(error(edited("entry dir 0", "entry dir 9")) ==
        "line 8: a size on an entry that is not a file");
  CHECK(error(edited("1764547201 1536", "1764547201 1537")) ==
        "line 9: an entry offset that is not on a tar block after the previous entry");
  CHECK(error(edited("1764547201 1536", "1764547201 0")) ==
        "line 9: an entry offset that is not on a tar block after the previous entry");
  CHECK(error(edited("entry other", "bogus other")) == "line 12: not a valid record");
  for (const auto* path : {"/etc/passwd", "home/../../etc", "..", "home//x", "./home", "home/.",
                           "home\\x00x", "home/anna\\"}) {
    INFO(path);
    const auto text = edited("home/fifo", path);
    const auto decoded = decode_content_index(text);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error().starts_with("line 12: "));
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
