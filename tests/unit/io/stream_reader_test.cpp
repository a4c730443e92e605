#include <cback/core/buffer_pool.hpp>
#include <cback/io/stream_reader.hpp>

#include "support/io_backends.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

using cback::core::BufferPool;
using cback::io::StreamReader;
using cback::test::TempDir;

namespace {

/// An fd closed at the end of the scope.
struct OpenFile {
  explicit OpenFile(const std::filesystem::path& path)
      : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~OpenFile() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd;
};

struct Streamed {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  std::uint64_t bytes = 0;
  std::size_t chunks = 0;
};

/// Streams the whole file; holds on to the previous chunk while asking for
/// the next one, as a consumer that has not finished with it would.
Streamed stream(StreamReader& reader) {
  Streamed seen;
  std::optional<cback::core::Buffer> previous;
  for (;;) {
    auto chunk = reader.next();
    REQUIRE(chunk);
    if (!*chunk) {
      return seen;
    }
    seen.hash = cback::test::fnv1a((*chunk)->bytes(), seen.hash);
    seen.bytes += (*chunk)->size();
    ++seen.chunks;
    previous = std::move(*chunk);
  }
}

} // namespace

TEST_CASE("A 50 MiB file streamed in chunks equals its content", "[io][stream]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  TempDir dir;
  const std::string content = cback::test::random_bytes((50 << 20) + 12345, 50);
  const auto path = dir.write("large", content);
  OpenFile file(path);
  REQUIRE(file.fd >= 0);
  BufferPool pool(6, 1 << 20);
  auto engine = backend->make_engine(4);
  REQUIRE(engine);
  StreamReader reader(**engine, file.fd, path, pool);

  const Streamed seen = stream(reader);

  CHECK(seen.bytes == content.size());
  CHECK(seen.chunks == 51);
  CHECK(seen.hash == cback::test::fnv1a(cback::test::as_bytes(content)));
  CHECK(reader.bytes_read() == content.size());
  const auto after_end = reader.next();
  REQUIRE(after_end);
  CHECK_FALSE(*after_end);
}

TEST_CASE("One engine streams one file after another", "[io][stream]") {
  const auto preference = CBACK_EACH_BACKEND();
  auto backend = cback::test::backend_under_test(preference);
  if (!backend) {
    return;
  }
  TempDir dir;
  BufferPool pool(4, 4096);
  auto engine = backend->make_engine(4);
  REQUIRE(engine);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string content = cback::test::random_bytes(4096 * 5 + 100 * i, i);
    const auto path = dir.write("file" + std::to_string(i), content);
    OpenFile file(path);
    {
      StreamReader reader(**engine, file.fd, path, pool);
      const Streamed seen = stream(reader);
      CHECK(seen.bytes == content.size());
      CHECK(seen.hash == cback::test::fnv1a(cback::test::as_bytes(content)));
    }
    CHECK((*engine)->in_flight() == 0);
  }
  CHECK(pool.available() == 4);
}

TEST_CASE("Streaming works with fewer buffers than the read-ahead", "[io][stream]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  TempDir dir;
  const auto size =
      GENERATE(std::size_t{0}, std::size_t{1}, std::size_t{4096 * 3}, std::size_t{4096 * 3 + 1});
  CAPTURE(size);
  const std::string content = cback::test::random_bytes(size, size);
  const auto path = dir.write("file", content);
  OpenFile file(path);
  BufferPool pool(2, 4096);
  auto engine = backend->make_engine(8);
  REQUIRE(engine);
  StreamReader reader(**engine, file.fd, path, pool);

  const Streamed seen = stream(reader);

  CHECK(seen.bytes == size);
  CHECK(seen.hash == cback::test::fnv1a(cback::test::as_bytes(content)));
  CHECK(pool.available() == 2);
}

TEST_CASE("A stream read error names the file and sticks", "[io][stream]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  TempDir dir;
  OpenFile directory(dir.path());
  BufferPool pool(4, 4096);
  auto engine = backend->make_engine(2);
  REQUIRE(engine);
  StreamReader reader(**engine, directory.fd, dir.path(), pool);

  const auto first = reader.next();
  REQUIRE_FALSE(first);
  CHECK(first.error().error_number == EISDIR);
  CHECK(first.error().message() == "read " + dir.path().string() + ": Is a directory");
  const auto again = reader.next();
  REQUIRE_FALSE(again);
  CHECK(again.error().error_number == EISDIR);
  CHECK(pool.available() == 4);
}

TEST_CASE("A stream whose pool is closed stops with ECANCELED", "[io][stream]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  TempDir dir;
  const auto path = dir.write("file", "some content");
  OpenFile file(path);
  BufferPool pool(2, 4096);
  pool.close();
  auto engine = backend->make_engine(2);
  REQUIRE(engine);
  StreamReader reader(**engine, file.fd, path, pool);

  const auto chunk = reader.next();
  REQUIRE_FALSE(chunk);
  CHECK(chunk.error().error_number == ECANCELED);
}

TEST_CASE("A stream given a size reads no further than that size", "[io][stream]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  TempDir dir;
  const std::string content = cback::test::random_bytes(4096 * 4, 9);
  const auto path = dir.write("grown", content);
  OpenFile file(path);
  BufferPool pool(4, 4096);
  auto engine = backend->make_engine(4);
  REQUIRE(engine);
  // A size of whole buffers, then one that ends inside a buffer.
  const auto size = GENERATE(std::size_t{4096 * 2}, std::size_t{4096 * 2 + 10});
  CAPTURE(size);
  StreamReader reader(**engine, file.fd, path, pool, size);

  const Streamed seen = stream(reader);

  CHECK(seen.bytes == size);
  CHECK(seen.chunks == (size + 4095) / 4096);
  CHECK(seen.hash == cback::test::fnv1a(cback::test::as_bytes(content.substr(0, size))));
  CHECK(pool.available() == 4);
}
