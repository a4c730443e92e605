// ReadAhead: the staged files' bytes reach libisofs's 2 KiB reads intact,
// in order, through a window smaller than the files, read by an Engine of
// the backend given (both backends), and out-of-order, skipped, missing,
// shortened and abandoned files end the way the image writer expects.

#include "media/read_ahead.hpp"
#include "support/io_backends.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
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
  explicit Files(cback::io::Backend& backend) : read_ahead(backend) {}
  TempDir dir;
  ReadAhead read_ahead;
  std::vector<std::string> contents;

  std::size_t add(const std::string& content) {
    const fs::path path = dir.write("file-" + std::to_string(contents.size()), content);
    contents.push_back(content);
    return read_ahead.add(staged(path, static_cast<std::int64_t>(content.size())));
  }
};

// Passes everything to `inner` and counts the reads its Engines start.
class CountingBackend final : public cback::io::Backend {
public:
  explicit CountingBackend(cback::io::Backend& inner) : m_inner(inner) {}
  [[nodiscard]] cback::io::BackendKind kind() const noexcept override { return m_inner.kind(); }
  cback::io::Result<std::unique_ptr<cback::io::Engine>> make_engine(unsigned depth) override {
    auto engine = m_inner.make_engine(depth);
    if (!engine) {
      return tl::make_unexpected(engine.error());
    }
    return std::make_unique<Counting>(std::move(*engine), reads);
  }
  std::atomic<std::size_t> reads{0};

private:
  class Counting final : public cback::io::Engine {
  public:
    Counting(std::unique_ptr<cback::io::Engine> inner, std::atomic<std::size_t>& reads)
        : m_inner(std::move(inner)), m_reads(reads) {}
    [[nodiscard]] unsigned depth() const noexcept override { return m_inner->depth(); }
    [[nodiscard]] unsigned in_flight() const noexcept override { return m_inner->in_flight(); }
    void start_read(int fd, std::span<std::byte> into, std::uint64_t offset,
                    std::uint64_t token) override {
      ++m_reads;
      m_inner->start_read(fd, into, offset, token);
    }
    void start_write(int fd, std::span<const std::byte> from, std::uint64_t offset,
                     std::uint64_t token) override {
      m_inner->start_write(fd, from, offset, token);
    }
    void start_fdatasync(int fd, std::uint64_t token) override {
      m_inner->start_fdatasync(fd, token);
    }
    void start_writeback(int fd, std::uint64_t offset, std::uint64_t length,
                         std::uint64_t token) override {
      m_inner->start_writeback(fd, offset, length, token);
    }
    cback::io::Completion wait() override { return m_inner->wait(); }
    std::optional<cback::io::Completion> poll() override { return m_inner->poll(); }

  private:
    std::unique_ptr<cback::io::Engine> m_inner;
    std::atomic<std::size_t>& m_reads;
  };

  cback::io::Backend& m_inner;
};

} // namespace

TEST_CASE("The read-ahead reads the files through an Engine of its backend",
          "[media][read_ahead]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  CountingBackend counting(*backend);
  TempDir dir;
  std::vector<std::string> contents;
  {
    ReadAhead read_ahead(counting);
    // One piece, then three pieces and a bit: no read past a file's size.
    for (const std::size_t size : {std::size_t{1000}, ReadAhead::k_piece * 3 + 5}) {
      contents.push_back(pattern(size, static_cast<unsigned>(size)));
      const fs::path path = dir.write("file-" + std::to_string(size), contents.back());
      read_ahead.add(staged(path, static_cast<std::int64_t>(size)));
    }
    CHECK(counting.reads == 0); // nothing before the first claim
    for (std::size_t i = 0; i < contents.size(); ++i) {
      REQUIRE(read_ahead.claim(i) == ReadAhead::Claim::ring);
      CHECK(read_all(read_ahead, i, static_cast<std::int64_t>(contents[i].size())) ==
            contents[i]);
    }
  }
  CHECK(counting.reads == 1 + 4);
}

TEST_CASE("Files larger and smaller than the window arrive whole and in order",
          "[media][read_ahead]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  Files files(*backend);
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
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  Files files(*backend);
  files.add(pattern(5 * 1024 * 1024, 1));
  files.add(pattern(ReadAhead::k_window + 4096, 2)); // never read: more than the window holds
  files.add(pattern(300'000, 3));
  REQUIRE(files.read_ahead.claim(0) == ReadAhead::Claim::ring);
  char block[2048];
  REQUIRE(files.read_ahead.read(0, block, sizeof(block)) == 2048); // the rest of file 0 is left
  REQUIRE(files.read_ahead.claim(2) == ReadAhead::Claim::ring);
  CHECK(read_all(files.read_ahead, 2, 300'000) == files.contents[2]);
}

TEST_CASE("A file asked for again or out of order is left to a direct read",
          "[media][read_ahead]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  Files files(*backend);
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
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  Files files(*backend);
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
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  Files files(*backend);
  files.add(pattern(ReadAhead::k_window * 3, 7));
  files.add("second");
  REQUIRE(files.read_ahead.claim(0) == ReadAhead::Claim::ring);
  char block[2048];
  REQUIRE(files.read_ahead.read(0, block, sizeof(block)) == 2048);
  files.read_ahead.stop(); // the reader waits for a buffer: this must not hang
  CHECK(files.read_ahead.read(0, block, sizeof(block)) == 0);
  CHECK(files.read_ahead.claim(1) == ReadAhead::Claim::direct); // its stream reads it itself
  files.read_ahead.note_error("[x]: test");
  CHECK(files.read_ahead.errors() == std::vector<std::string>{"[x]: test"});
}

TEST_CASE("Thousands of small files in a row arrive whole, however the threads interleave",
          "[media][read_ahead]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  Files files(*backend);
  for (unsigned i = 0; i < 3000; ++i) {
    files.add(pattern((i * 7919U) % 5000U + 1U, i));
  }
  for (std::size_t i = 0; i < files.contents.size(); ++i) {
    REQUIRE(files.read_ahead.claim(i) == ReadAhead::Claim::ring);
    REQUIRE(read_all(files.read_ahead, i, static_cast<std::int64_t>(files.contents[i].size())) ==
            files.contents[i]);
  }
}
