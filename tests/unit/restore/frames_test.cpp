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
#include <cback/restore/source.hpp>

#include "support/random_bytes.hpp"
#include "support/temp_dir.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <zstd.h>

#include <fstream>
#include <sstream>

namespace cback::restore {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t k_files = 200;
constexpr std::size_t k_file_size = 20000;
constexpr std::size_t k_frame = 256 << 10;

// An uncompressed pax archive of srv/file-N (random content) in memory.
std::string make_tar() {
  std::string tar;
  archive* writer = archive_write_new();
  archive_write_set_format_pax_restricted(writer);
  archive_write_set_bytes_in_last_block(writer, 1);
  const auto append = [](archive*, void* out, const void* data, std::size_t size) -> la_ssize_t {
    static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
    return static_cast<la_ssize_t>(size);
  };
  REQUIRE(archive_write_open(writer, &tar, nullptr, append, nullptr) == ARCHIVE_OK);
  for (std::size_t i = 0; i < k_files; ++i) {
    const std::string content = test::random_bytes(k_file_size, i);
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

  FramedDay(const std::string& archive, const std::string& listed,
            const collect::ContentIndex& index)
      : index_text(collect::encode_content_index(index)) {
    fs::create_directories(day);
    write_file(day / "srv.tar.zst", archive);
    write_file(day / "srv.tar.zst.index", index_text);
    collect::Manifest manifest;
    manifest.date = "2026-11-30";
    manifest.archives = {{"srv.tar.zst", listed.size(), core::sha256(listed)}};
    manifest.indexes = {{"srv.tar.zst.index", index_text.size(), core::sha256(index_text)}};
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

} // namespace
} // namespace cback::restore
