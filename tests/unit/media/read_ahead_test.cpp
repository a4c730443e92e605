// ReadAhead: the staged files' bytes reach libisofs's 2 KiB reads intact,
// in order, through a ring smaller than the files, and out-of-order,
// skipped, missing, shortened and abandoned files end the way the image
// writer expects.

#include "media/read_ahead.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using cback::media::ReadAhead;
using cback::test::TempDir;

namespace {

std::string pattern(std::size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  unsigned value = seed;
  for (char& byte : bytes) {
    value = value * 1103515245U + 12345U;
    byte = static_cast<char>(value >> 16);
  }
  return bytes;
}

// Reads the rest of file `index` the way libisofs does: 2 KiB at a time.
std::string read_all(ReadAhead& read_ahead, std::size_t index, std::int64_t size) {
  std::string bytes;
  char block[2048];
  while (static_cast<std::int64_t>(bytes.size()) < size) {
    const std::int64_t got = read_ahead.read(index, block, sizeof(block));
    REQUIRE(got >= 0);
    if (got == 0) {
      break;
    }
    bytes.append(block, static_cast<std::size_t>(got));
  }
  return bytes;
}

// The read-ahead's entry for `path` as staged now (size as given).
ReadAhead::File staged(const fs::path& path, std::int64_t size) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return {path, size};
  }
  return {path, size, info.st_dev, info.st_ino};
}

struct Files {
  TempDir dir;
  ReadAhead read_ahead;
  std::vector<std::string> contents;

  std::size_t add(const std::string& content) {
    const fs::path path = dir.write("file-" + std::to_string(contents.size()), content);
    contents.push_back(content);
    return read_ahead.add(staged(path, static_cast<std::int64_t>(content.size())));
  }
};

} // namespace

TEST_CASE("Files larger and smaller than the ring arrive whole and in order",
          "[media][read_ahead]") {
  Files files;
  const std::vector<std::size_t> sizes = {
      1, 2047, 2048, 2049, 1024 * 1024 + 3, ReadAhead::k_window * 2 + 12345, 700, 3 * 1024 * 1024};
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    files.add(pattern(sizes[i], static_cast<unsigned>(i)));
  }
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    REQUIRE(files.read_ahead.claim(i) == ReadAhead::Claim::ring);
    CHECK(read_all(files.read_ahead, i, static_cast<std::int64_t>(sizes[i])) == files.contents[i]);
  }
}

TEST_CASE("A file libisofs does not ask for is skipped without blocking the next",
          "[media][read_ahead]") {
  Files files;
  files.add(pattern(5 * 1024 * 1024, 1));
  files.add(pattern(ReadAhead::k_window + 4096, 2)); // never read: more than the ring holds
  files.add(pattern(300'000, 3));
  REQUIRE(files.read_ahead.claim(0) == ReadAhead::Claim::ring);
  char block[2048];
  REQUIRE(files.read_ahead.read(0, block, sizeof(block)) == 2048); // the rest of file 0 is left
  REQUIRE(files.read_ahead.claim(2) == ReadAhead::Claim::ring);
  CHECK(read_all(files.read_ahead, 2, 300'000) == files.contents[2]);
}

TEST_CASE("A file asked for again or out of order is left to a direct read",
          "[media][read_ahead]") {
  Files files;
  files.add("first");
  files.add("second");
  files.add("third");
  REQUIRE(files.read_ahead.claim(1) == ReadAhead::Claim::ring);
  CHECK(files.read_ahead.claim(1) == ReadAhead::Claim::direct); // its stream reads it itself
  CHECK(files.read_ahead.claim(0) == ReadAhead::Claim::direct);
  REQUIRE(files.read_ahead.claim(2) == ReadAhead::Claim::ring);
  CHECK(read_all(files.read_ahead, 2, 5) == "third");
}

TEST_CASE("A missing file reads as its errno and a shortened one ends early",
          "[media][read_ahead]") {
  Files files;
  files.add("kept");
  const std::size_t missing = files.read_ahead.add(staged(files.dir / "missing", 10));
  const fs::path shortened = files.dir.write("shortened", "0123");
  const std::size_t short_index = files.read_ahead.add(staged(shortened, 4096));

  REQUIRE(files.read_ahead.claim(0) == ReadAhead::Claim::ring);
  CHECK(read_all(files.read_ahead, 0, 4) == "kept");
  REQUIRE(files.read_ahead.claim(missing) == ReadAhead::Claim::ring);
  char block[2048];
  CHECK(files.read_ahead.read(missing, block, sizeof(block)) == -ENOENT);
  REQUIRE(files.read_ahead.claim(short_index) == ReadAhead::Claim::ring);
  CHECK(read_all(files.read_ahead, short_index, 4096) == "0123");
}

TEST_CASE("Stopping while the reader waits for room ends the reads at once",
          "[media][read_ahead]") {
  Files files;
  files.add(pattern(ReadAhead::k_window * 3, 7));
  files.add("second");
  REQUIRE(files.read_ahead.claim(0) == ReadAhead::Claim::ring);
  char block[2048];
  REQUIRE(files.read_ahead.read(0, block, sizeof(block)) == 2048);
  files.read_ahead.stop(); // the reader is blocked on a full ring: this must not hang
  CHECK(files.read_ahead.read(0, block, sizeof(block)) == 0);
  CHECK(files.read_ahead.claim(1) == ReadAhead::Claim::direct); // its stream reads it itself
  files.read_ahead.note_error("[x]: test");
  CHECK(files.read_ahead.errors() == std::vector<std::string>{"[x]: test"});
}

TEST_CASE("Thousands of small files in a row arrive whole, however the threads interleave",
          "[media][read_ahead]") {
  Files files;
  for (unsigned i = 0; i < 3000; ++i) {
    files.add(pattern((i * 7919U) % 5000U + 1U, i));
  }
  for (std::size_t i = 0; i < files.contents.size(); ++i) {
    REQUIRE(files.read_ahead.claim(i) == ReadAhead::Claim::ring);
    REQUIRE(read_all(files.read_ahead, i, static_cast<std::int64_t>(files.contents[i].size())) ==
            files.contents[i]);
  }
}
