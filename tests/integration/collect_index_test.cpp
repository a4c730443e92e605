// The content index next to each archive, through the real binary: its
// entries are what GNU tar lists, each offset is where the entry's first
// tar header starts, each tarzst frame decompresses on its own from where
// the index says, and the manifest lists the index with its size and
// SHA-256.

#include <cback/collect/content_index.hpp>
#include <cback/collect/manifest.hpp>
#include <cback/core/digest.hpp>

#include "support/collect_pool.hpp"
#include "support/iso_tools.hpp"
#include "support/parts.hpp"
#include "support/store_pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

using collect::ContentIndex;
using collect::IndexEntryType;

constexpr std::size_t k_block = 512;

/// A tree with what makes tar headers differ: a long name and a non-UTF-8
/// one (pax headers), a tab and a newline in names, a symlink, a hard link,
/// an empty directory, and 24 MiB that do not compress (several frames).
void make_tree(const fs::path& root) {
  fs::create_directories(root / "sub" / "empty");
  std::ofstream(root / "a.txt") << "alpha\n";
  std::ofstream(root / "sub" / "b.txt") << std::string(100'000, 'b');
  std::ofstream(root / "sub" / "tab\there\nnewline") << "odd name\n";
  std::ofstream(root / "sub" / "latin\xe9\xff") << "not UTF-8\n";
  std::ofstream(root / std::string(150, 'L')) << "long name\n";
  fs::create_symlink("a.txt", root / "link");
  fs::create_hard_link(root / "a.txt", root / "sub" / "hard");
  std::mt19937_64 random(7);
  std::vector<std::uint64_t> block(1 << 17);
  std::ofstream big(root / "big.bin", std::ios::binary);
  for (int chunk = 0; chunk < 24; ++chunk) {
    for (auto& word : block) {
      word = random();
    }
    big.write(reinterpret_cast<const char*>(block.data()),
              static_cast<std::streamsize>(block.size() * sizeof(std::uint64_t)));
  }
}

/// The whole uncompressed tar stream of `archive`.
std::string decompressed(const fs::path& archive, config::ArchiveMode mode) {
  const char* tool = mode == config::ArchiveMode::targz    ? "/usr/bin/gzip"
                     : mode == config::ArchiveMode::tarbz2 ? "/usr/bin/bzip2"
                     : mode == config::ArchiveMode::tarzst ? "/usr/bin/zstd"
                                                           : nullptr;
  if (tool == nullptr) {
    return read_file(archive);
  }
  const auto result = run({tool, "-dc", archive.string()});
  REQUIRE(result.exit_code == 0);
  return result.out;
}

/// A NUL-terminated field of a tar header.
std::string header_field(std::string_view header, std::size_t at, std::size_t length) {
  const auto field = header.substr(at, length);
  return std::string(field.substr(0, field.find('\0')));
}

/// The member name of the ustar header at `header`: prefix/name.
std::string ustar_name(std::string_view header) {
  const auto prefix = header_field(header, 345, 155);
  const auto name = header_field(header, 0, 100);
  return prefix.empty() ? name : prefix + "/" + name;
}

/// Checks that `entry`'s offset in `tar` is a ustar header for it, or a pax
/// extended header whose path record (or the header after it) names it.
void check_header_at(const std::string& tar, const collect::IndexEntry& entry) {
  INFO(entry.path << " at " << entry.offset);
  REQUIRE(entry.offset + k_block <= tar.size());
  const std::string_view header(tar.data() + entry.offset, k_block);
  REQUIRE(header.substr(257, 5) == "ustar");
  if (header[156] != 'x') {
    CHECK(ustar_name(header) == entry.path);
    return;
  }
  const auto size = std::stoull(header_field(header, 124, 12), nullptr, 8);
  const std::string_view records(tar.data() + entry.offset + k_block, size);
  const auto next = entry.offset + k_block + (size + k_block - 1) / k_block * k_block;
  const std::string_view following(tar.data() + next, k_block);
  REQUIRE(following.substr(257, 5) == "ustar");
  const auto path_record = " path=" + entry.path + "\n";
  CHECK(
      (records.find(path_record) != std::string_view::npos || ustar_name(following) == entry.path));
}

/// GNU tar's verbose listing as (type letter, size, name), with names
/// escaped as `tar --quoting-style=escape` writes them.
std::vector<std::tuple<char, std::uint64_t, std::string>> tar_verbose(const fs::path& archive) {
  const auto result = run({"/usr/bin/tar", "--quoting-style=escape", "-tvf", archive.string()});
  REQUIRE(result.exit_code == 0);
  std::vector<std::tuple<char, std::uint64_t, std::string>> listed;
  std::istringstream in(result.out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string mode, owner, size, date, time;
    fields >> mode >> owner >> size >> date >> time;
    std::string name;
    std::getline(fields, name);
    name.erase(0, 1);
    for (const std::string_view arrow : {" -> ", " link to "}) {
      if (const auto at = name.find(arrow); at != std::string::npos) {
        name.resize(at);
      }
    }
    listed.emplace_back(mode[0], std::stoull(size), name);
  }
  return listed;
}

/// A path as `tar --quoting-style=escape` lists it in the C locale.
std::string tar_escaped(std::string_view path) {
  std::string out;
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte >= 0x7f) {
      out += fmt::format("\\{:03o}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

char tar_type(IndexEntryType type) {
  switch (type) {
  case IndexEntryType::file:
    return '-';
  case IndexEntryType::directory:
    return 'd';
  case IndexEntryType::symlink:
    return 'l';
  case IndexEntryType::hardlink:
    return 'h';
  case IndexEntryType::other:
    break;
  }
  return '?';
}

/// Decompresses `archive` from `from` on with a fresh zstd stream.
std::string zstd_tail(const std::string& archive, std::uint64_t from) {
  ZSTD_DCtx* context = ZSTD_createDCtx();
  REQUIRE(context != nullptr);
  std::string out;
  std::vector<char> buffer(ZSTD_DStreamOutSize());
  ZSTD_inBuffer input{archive.data() + from, archive.size() - from, 0};
  while (input.pos < input.size) {
    ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
    const auto status = ZSTD_decompressStream(context, &output, &input);
    if (ZSTD_isError(status) != 0U) {
      ZSTD_freeDCtx(context);
      FAIL("zstd: " << ZSTD_getErrorName(status));
    }
    out.append(buffer.data(), output.pos);
  }
  ZSTD_freeDCtx(context);
  return out;
}

} // namespace

TEST_CASE("Each archive's content index lists its entries where their headers start",
          "[integration][collect][index]") {
  const auto [mode_name, mode] = GENERATE(std::pair{"tar", config::ArchiveMode::tar},
                                          std::pair{"targz", config::ArchiveMode::targz},
                                          std::pair{"tarbz2", config::ArchiveMode::tarbz2},
                                          std::pair{"tarzst", config::ArchiveMode::tarzst});
  INFO(mode_name);
  CollectPool pool;
  const auto tree = pool.src() / "tree";
  make_tree(tree);
  pool.configure_items(dir_item(tree, "daily", mode_name));
  const auto result = pool.collect(k_monday);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto archive = pool.archive(tree, mode);
  const fs::path index_path = archive.string() + ".index";
  const auto index = collect::load_content_index(index_path);
  REQUIRE(index.has_value());
  CHECK(index->archive == archive.filename().string());
  CHECK(index->item == tree.string());
  CHECK(index->kind == collect::ArchiveKind::full);
  CHECK(index->mode == mode);

  const auto manifest = collect::load_manifest(pool.dir / "collect/cback.manifest");
  REQUIRE(manifest.has_value());
  REQUIRE(manifest->indexes.size() == 1);
  CHECK(manifest->indexes[0].name == index_path.filename().string());
  CHECK(manifest->indexes[0].size == fs::file_size(index_path));
  CHECK(manifest->indexes[0].sha256 == core::sha256(read_file(index_path)));

  // The entries are what GNU tar lists, in order.
  const auto listed = tar_verbose(archive);
  REQUIRE(listed.size() == index->entries.size());
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const auto& entry = index->entries[i];
    CHECK(std::get<0>(listed[i]) == tar_type(entry.type));
    CHECK(std::get<1>(listed[i]) == entry.size);
    CHECK(std::get<2>(listed[i]) == tar_escaped(entry.path));
  }
  const auto prefix = tree.relative_path().string();
  const auto big =
      std::find_if(index->entries.begin(), index->entries.end(),
                   [&](const auto& entry) { return entry.path == prefix + "/big.bin"; });
  REQUIRE(big != index->entries.end());
  CHECK(big->size == 24 * 1024 * 1024);
  CHECK(big->mode == 0644);

  // Each offset is the entry's first header.
  const auto tar = decompressed(archive, mode);
  for (const auto& entry : index->entries) {
    check_header_at(tar, entry);
  }

  if (mode != config::ArchiveMode::tarzst) {
    CHECK(index->frames.empty());
    return;
  }
  // Every frame decompresses on its own into the stream from its offset.
  REQUIRE_FALSE(index->frames.empty());
  CHECK(index->frames.front() == collect::IndexFrame{});
  const auto bytes = read_file(archive);
  for (const auto& frame : index->frames) {
    INFO("frame at " << frame.compressed_offset << " / " << frame.offset);
    REQUIRE(frame.compressed_offset < bytes.size());
    REQUIRE(frame.offset < tar.size());
    CHECK(zstd_tail(bytes, frame.compressed_offset) == tar.substr(frame.offset));
  }
  CHECK(run({"/usr/bin/zstd", "-tq", archive.string()}).exit_code == 0);
}

TEST_CASE("An incremental archive's index says so; an unchanged day writes none",
          "[integration][collect][index][incr]") {
  const bool cumulative = GENERATE(false, true);
  CollectPool pool;
  pool.configure_items(dir_item(pool.src(), "incr", "tarzst"),
                       cumulative ? "cumulative = true\n" : "");
  pool.dir.write("src/a", "a");
  const auto archive = pool.archive(pool.src(), config::ArchiveMode::tarzst);
  const fs::path index_path = archive.string() + ".index";
  REQUIRE(pool.collect(k_monday).exit_code == 0);
  CHECK(collect::load_content_index(index_path)->kind == collect::ArchiveKind::full);

  pool.dir.write("src/b", "b");
  REQUIRE(pool.collect(k_tuesday).exit_code == 0);
  const auto tuesday = collect::load_content_index(index_path);
  REQUIRE(tuesday.has_value());
  CHECK(tuesday->kind == collect::ArchiveKind::incremental);
  CHECK(tuesday->cumulative == cumulative);
  const auto prefix = pool.src().relative_path().string();
  std::vector<std::string> paths;
  for (const auto& entry : tuesday->entries) {
    paths.push_back(entry.path);
  }
  CHECK(paths == std::vector<std::string>{prefix + "/", prefix + "/b"});

  if (!cumulative) {
    // Nothing changed on Wednesday: no archive and no index, so yesterday's
    // pair stays as it was and the manifest lists neither.
    const auto before = read_file(index_path);
    REQUIRE(pool.collect("CBACK_TODAY=2026-12-02").exit_code == 0);
    CHECK(read_file(index_path) == before);
    const auto manifest = collect::load_manifest(pool.dir / "collect/cback.manifest");
    REQUIRE(manifest.has_value());
    CHECK(manifest->archives.empty());
    CHECK(manifest->indexes.empty());
  }
}

TEST_CASE("Archives and their content indexes reach the disc as the manifest lists them",
          "[integration][collect][index][store]") {
  CBACK_REQUIRE_PART(program_available("xorriso"));
  StorePool pool;
  const auto tree = pool.dir / "src";
  pool.dir.write("src/a.txt", "alpha\n");
  pool.dir.write("src/sub/b.txt", std::string(200'000, 'b'));
  fs::create_directories(pool.dir / "collect");
  pool.extra = collect_table(pool.dir / "collect", dir_item(tree, "daily", "tarzst"));
  const std::string day = "2026-11-30";
  for (const std::string action : {"collect", "stage", "store"}) {
    const auto result = pool.run({action}, day);
    INFO(action << ": " << result.out << result.err << pool.log());
    REQUIRE(result.exit_code == 0);
  }
  const auto out = pool.dir / "disc";
  REQUIRE(iso::extract(pool.image, out));
  const auto staged = out / "2026" / "11" / "30" / "peer1";
  const auto manifest = collect::load_manifest(staged / "cback.manifest");
  REQUIRE(manifest.has_value());
  REQUIRE(manifest->archives.size() == 1);
  REQUIRE(manifest->indexes.size() == 1);
  const auto& listed = manifest->indexes[0];
  const auto bytes = read_file(staged / listed.name);
  CHECK(bytes.size() == listed.size);
  CHECK(core::sha256(bytes) == listed.sha256);
  const auto index = collect::load_content_index(staged / listed.name);
  REQUIRE(index.has_value());
  CHECK(index->archive == manifest->archives[0].name);
  CHECK(index->entries.size() == tar_verbose(staged / index->archive).size());
}

} // namespace cback::test
