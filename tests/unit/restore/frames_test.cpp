// The fast path of a restore: a tarzst archive written as independent zstd
// frames, with its content index, gives one entry by reading only the
// frames that hold it.

#include <cback/collect/content_index.hpp>
#include <cback/collect/manifest.hpp>
#include <cback/core/digest.hpp>
#include <cback/core/log.hpp>
#include <cback/core/stop.hpp>
#include <cback/restore/archive_reader.hpp>
#include <cback/restore/commands.hpp>
#include <cback/restore/frame_stream.hpp>
#include <cback/restore/source.hpp>

#include "support/random_bytes.hpp"
#include "support/temp_dir.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <zstd.h>

#include <fstream>
#include <optional>
#include <sstream>

namespace cback::restore {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t k_files = 200;
constexpr std::size_t k_file_size = 20000;
constexpr std::size_t k_frame = 256 << 10;

// An uncompressed pax archive of srv/file-N (random content) in memory.
std::string make_tar(std::size_t files = k_files, std::size_t file_size = k_file_size) {
  std::string tar;
  archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  archive_write_set_bytes_in_last_block(writer, 1);
  const auto append = [](archive*, void* out, const void* data, std::size_t size) -> la_ssize_t {
    static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
    return static_cast<la_ssize_t>(size);
  };
  REQUIRE(archive_write_open(writer, &tar, nullptr, append, nullptr) == ARCHIVE_OK);
  for (std::size_t i = 0; i < files; ++i) {
    const std::string content = test::random_bytes(file_size, i);
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, fmt::format("srv/file-{}", i).c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    archive_entry_set_mtime(entry, 1700000000, 0);
    REQUIRE(archive_write_header(writer, entry) == ARCHIVE_OK);
    REQUIRE(archive_write_data(writer, content.data(), content.size()) ==
            static_cast<la_ssize_t>(content.size()));
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
  return tar;
}

class StringFile final : public SourceFile {
public:
  explicit StringFile(const std::string& data) : m_data(data) {}
  std::uint64_t size() const override { return m_data.size(); }
  std::size_t read_at(std::uint64_t offset, std::span<std::byte> out) override {
    const std::size_t n =
        offset >= m_data.size() ? 0 : std::min<std::size_t>(out.size(), m_data.size() - offset);
    std::memcpy(out.data(), m_data.data() + offset, n);
    return n;
  }

private:
  const std::string& m_data;
};

// The tar compressed as one independent zstd frame per k_frame bytes, each
// with its checksum (as collect writes them), and its index (entries from
// reading the tar back).
std::pair<std::string, collect::ContentIndex> framed(const std::string& tar) {
  collect::ContentIndex index;
  index.archive = "srv.tar.zst";
  index.item = "/srv";
  index.mode = config::ArchiveMode::tarzst;
  std::string compressed;
  const std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> context(ZSTD_createCCtx(),
                                                                     &ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(context.get(), ZSTD_c_checksumFlag, 1);
  for (std::size_t offset = 0; offset < tar.size(); offset += k_frame) {
    index.frames.push_back({compressed.size(), offset});
    const std::size_t size = std::min(k_frame, tar.size() - offset);
    std::string frame(ZSTD_compressBound(size), '\0');
    const std::size_t written =
        ZSTD_compress2(context.get(), frame.data(), frame.size(), tar.data() + offset, size);
    REQUIRE_FALSE(ZSTD_isError(written));
    compressed.append(frame.data(), written);
  }
  StringFile file(tar);
  ArchiveReader reader(file_stream(file), "srv.tar");
  index.entries = reader.list();
  return {compressed, index};
}

void write_file(const fs::path& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

/// How the manifest lists an index: with its head, as collect writes it
/// (a restore reads the head and the blocks it needs), or whole only, as
/// a version 3 manifest did (a restore reads and checks the whole index).
enum class Listed { with_head, whole };

/// A staging tree of one day holding `archive` (framed, as srv.tar.zst) and
/// its index, both listed in the day's manifest with the digests of
/// `listed` (the archive as it was written).
struct FramedDay {
  test::TempDir dir;
  fs::path day = dir / "staging/2026/11/30/host1";
  std::string index_text;
  std::unique_ptr<Source> source;
  config::Config config;
  core::Logger log;
  core::StopFlag stop;

  /// `text`: the index file as written, when not `index` encoded.
  FramedDay(const std::string& archive, const std::string& listed,
            const collect::ContentIndex& index, std::optional<std::string> text = std::nullopt,
            Listed how = Listed::with_head)
      : index_text(text ? std::move(*text) : collect::encode_content_index(index)) {
    fs::create_directories(day);
    write_file(day / "srv.tar.zst", archive);
    write_file(day / "srv.tar.zst.index", index_text);
    collect::Manifest manifest;
    manifest.date = "2026-11-30";
    manifest.archives = {{"srv.tar.zst", listed.size(), core::sha256(listed)}};
    manifest.indexes = {{"srv.tar.zst.index", index_text.size(), core::sha256(index_text)}};
    if (how == Listed::with_head) {
      const auto head =
          std::string_view(index_text).substr(0, collect::content_index_head_size(index_text));
      manifest.indexes[0].head = collect::ManifestIndexHead{head.size(), core::sha256(head)};
    }
    collect::write_manifest(day / "cback.manifest", manifest);
    source = open_directory_source(dir / "staging");
  }

  ExtractReport extract(std::vector<std::string> paths) {
    History history(*source, config);
    std::ostringstream out;
    ExtractRequest request;
    request.date = std::chrono::year_month_day{std::chrono::year(2026), std::chrono::November,
                                               std::chrono::day(30)};
    request.to = dir / "to";
    request.paths = std::move(paths);
    return restore::extract(history, request, log, stop, out);
  }
};

TEST_CASE("One entry of a framed tarzst archive reads only the frames that hold it",
          "[restore][frames]") {
  const auto [archive, index] = framed(make_tar());
  REQUIRE(index.frames.size() > 10);
  FramedDay day(archive, archive, index);
  const auto report = day.extract({"/srv/file-150", "/srv/file-151"});
  CHECK(report.refused.empty());
  CHECK(report.entries == 2);
  CHECK(test::read_file(day.dir / "to/srv/file-150") == test::random_bytes(k_file_size, 150));
  CHECK(test::read_file(day.dir / "to/srv/file-151") == test::random_bytes(k_file_size, 151));
  // The manifest, the index, and at most two frames of the archive.
  const std::uint64_t small = fs::file_size(day.day / "cback.manifest") + day.index_text.size();
  INFO("read " << day.source->bytes_read() << " of " << archive.size());
  CHECK(day.source->bytes_read() <= small + 2 * k_frame + 512 * 1024);
  CHECK(day.source->bytes_read() < archive.size() / 4);
}

TEST_CASE("A framed archive whose frames were damaged is refused by name", "[restore][frames]") {
  const auto [archive, index] = framed(make_tar());
  std::string damaged = archive;
  const std::uint64_t inside = index.frames[index.frames.size() / 2].compressed_offset + 100;
  damaged[inside] = static_cast<char>(damaged[inside] ^ 0x55);
  // The manifest's size matches: only the frame's checksum can tell.
  FramedDay day(damaged, archive, index);
  CHECK_THROWS_WITH(day.extract({"/srv"}),
                    Catch::Contains("srv.tar.zst") && Catch::Contains("damaged"));
}

TEST_CASE("A small entry is decompressed once: extracted from what the frame check kept",
          "[restore][frames]") {
  const auto [archive, index] = framed(make_tar());
  // An entry well inside one frame, from its header to the next entry's.
  std::size_t place = 0;
  for (std::size_t i = 1; i + 1 < index.entries.size(); ++i) {
    const auto frame = index.frames[index.entries[i].offset / k_frame];
    if (index.entries[i].offset >= frame.offset + 1024 &&
        index.entries[i + 1].offset + 1024 <= frame.offset + k_frame) {
      place = i;
      break;
    }
  }
  REQUIRE(place > 0);
  const std::string member = index.entries[place].path;
  FramedDay day(archive, archive, index);
  const auto report = day.extract({"/" + member});
  CHECK(report.entries == 1);
  const std::size_t number = std::stoul(member.substr(member.find('-') + 1));
  CHECK(test::read_file(day.dir / "to" / member) == test::random_bytes(k_file_size, number));
  // The frame is read once, in two 256 KiB blocks (the frame's compressed
  // bytes and the first byte of the next frame): decompressing it again
  // to extract would read at least one block more.
  const std::uint64_t small = fs::file_size(day.day / "cback.manifest") + day.index_text.size();
  INFO("read " << day.source->bytes_read() << " of " << archive.size());
  CHECK(day.source->bytes_read() <= small + 2 * (256 << 10));
}

TEST_CASE("Frames kept by the check give the bytes of the archive, then read on",
          "[restore][frames]") {
  const std::string tar = make_tar();
  const auto [archive, index] = framed(tar);
  StringFile file(archive);
  const std::uint64_t first = index.entries[20].offset;
  const std::uint64_t end = index.entries[23].offset;
  CheckedFrames kept;
  CHECK(check_frames(file, index, {{first, end}}, "srv.tar.zst", &kept, 1 << 20) >= 1);
  REQUIRE(kept.runs.size() == 1);
  CHECK(kept.bytes == end - first);
  // From inside the kept range on past its end, into frames read anew.
  const std::uint64_t from = first + 700;
  const auto stream = frame_stream(file, index, from, "srv.tar.zst", kept);
  std::string read(3 * k_frame, '\0');
  std::size_t done = 0;
  while (done < read.size()) {
    const std::size_t got =
        stream->read(std::as_writable_bytes(std::span(read.data() + done, read.size() - done)));
    if (got == 0) {
      break;
    }
    done += got;
  }
  CHECK(read == tar.substr(from, read.size()));

  // Nothing is kept past the limit.
  CheckedFrames none;
  check_frames(file, index, {{first, end}}, "srv.tar.zst", &none, end - first - 1);
  CHECK(none.runs.empty());
  CHECK(none.bytes == 0);
}

TEST_CASE("A restore decodes only the index blocks that can hold the path", "[restore][frames]") {
  const auto [archive, index] = framed(make_tar(600, 100));
  // A damaged entry in the last of the index's three blocks, listed as it
  // is in the manifest: only decoding that block can tell.
  std::string text = collect::encode_content_index(index);
  const auto line = text.find(" 644 0 0 1700000000 ", text.find("srv/file-549\n"));
  REQUIRE(line != std::string::npos);
  text.replace(line, 4, " 999");
  {
    FramedDay day(archive, archive, index, text);
    const auto report = day.extract({"/srv/file-5"});
    CHECK(report.entries == 1);
    CHECK(test::read_file(day.dir / "to/srv/file-5") == test::random_bytes(100, 5));
  }
  // Listed with its head, the block is refused by its digest when read;
  // listed whole, the whole index was checked, and the entry is refused.
  FramedDay by_head(archive, archive, index, text);
  CHECK_THROWS_WITH(by_head.extract({"/srv/file-550"}),
                    Catch::Contains("srv.tar.zst.index] is damaged: line ") &&
                        Catch::Contains("block 3's lines do not match the SHA-256 of its record"));
  FramedDay whole(archive, archive, index, text, Listed::whole);
  CHECK_THROWS_WITH(whole.extract({"/srv/file-550"}),
                    Catch::Contains("srv.tar.zst.index] is damaged: line ") &&
                        Catch::Contains("not a valid entry record"));
}

TEST_CASE("A restore reads an index's head and the blocks it needs, not the whole index",
          "[restore][frames]") {
  const auto [archive, index] = framed(make_tar(3000, 10));
  const auto text = collect::encode_content_index(index);
  REQUIRE(text.size() > 100000);
  FramedDay by_head(archive, archive, index);
  CHECK(by_head.extract({"/srv/file-2500"}).entries == 1);
  CHECK(test::read_file(by_head.dir / "to/srv/file-2500") == test::random_bytes(10, 2500));
  FramedDay whole(archive, archive, index, std::nullopt, Listed::whole);
  CHECK(whole.extract({"/srv/file-2500"}).entries == 1);
  // The same manifest and frames, the head, and the blocks whose path range
  // can hold the path (names sort as bytes: srv/file-2500 lies between
  // srv/file-0 and srv/file-99, so a few blocks of the twelve do): less
  // than half of the index.
  INFO("read " << by_head.source->bytes_read() << " and " << whole.source->bytes_read()
               << " of an index of " << text.size());
  CHECK(by_head.source->bytes_read() + text.size() / 2 < whole.source->bytes_read());
}

TEST_CASE("An index whose head is not the manifest's is refused before any of it is used",
          "[restore][frames][hostile]") {
  const auto [archive, index] = framed(make_tar(600, 100));
  std::string text = collect::encode_content_index(index);
  // A block record's range widened (the same length): only the head's
  // digest can tell.
  const auto at = text.find("srv/file-99\n");
  REQUIRE(at < collect::content_index_head_size(text));
  text.replace(at, 11, "srv/file-zz");
  const auto listed = collect::encode_content_index(index);
  FramedDay day(archive, archive, index, text);
  // The manifest lists the head as collect wrote it.
  collect::Manifest manifest = collect::load_manifest(day.day / "cback.manifest").value();
  const auto head = std::string_view(listed).substr(0, collect::content_index_head_size(listed));
  manifest.indexes[0].sha256 = core::sha256(listed);
  manifest.indexes[0].head = collect::ManifestIndexHead{head.size(), core::sha256(head)};
  collect::write_manifest(day.day / "cback.manifest", manifest);
  CHECK_THROWS_WITH(day.extract({"/srv/file-5"}),
                    "The content index [2026/11/30/host1/srv.tar.zst.index] is damaged: the "
                    "SHA-256 of its head is not the manifest's.");
}

} // namespace
} // namespace cback::restore
