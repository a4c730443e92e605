#include <cback/core/buffer_pool.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/io/batch_reader.hpp>

#include "support/io_backends.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <map>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace cback::io {

using core::Buffer;
using core::BufferPool;
using test::TempDir;

namespace {

constexpr std::size_t k_max_file = 200 * 1024;

/// Sizes 0 B ... 200 KiB, mostly small as in a real tree, with the edges.
std::vector<std::size_t> file_sizes(std::size_t count) {
  std::mt19937_64 random(42);
  std::vector<std::size_t> sizes{0, 1, 4095, 4096, 4097, k_max_file};
  while (sizes.size() < count) {
    const bool large = random() % 10 == 0;
    sizes.push_back(random() % ((large ? k_max_file : 8192) + 1));
  }
  return sizes;
}

/// The fds of the files a test reads, opened as collect opens them, closed
/// at the end of the test.
class OpenedFiles {
public:
  OpenedFiles() = default;
  OpenedFiles(const OpenedFiles&) = delete;
  OpenedFiles& operator=(const OpenedFiles&) = delete;

  /// A request for `path` (opened here) with `tag`; its buffer is set by
  /// read_all.
  ReadRequest request(const std::filesystem::path& path, std::uint64_t tag) {
    m_fds.emplace_back(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    REQUIRE(m_fds.back());
    return ReadRequest{path, m_fds.back().get(), {}, tag};
  }

private:
  std::vector<cback::core::UniqueFd> m_fds;
};

std::string_view text_of(const ReadResult& result) {
  const auto data = result.data();
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

/// Reads every request of `requests` (one pool buffer each) and returns the
/// results by tag.
std::map<std::uint64_t, std::pair<ReadResult, std::string>>
read_all(BatchReader& reader, BufferPool& pool, std::vector<ReadRequest> requests) {
  std::map<std::uint64_t, std::pair<ReadResult, std::string>> results;
  std::map<std::uint64_t, Buffer> held;
  std::size_t next = 0;
  for (;;) {
    while (next < requests.size()) {
      auto buffer = pool.try_acquire();
      if (!buffer) {
        break;
      }
      requests[next].buffer = buffer->space();
      held.emplace(requests[next].tag, std::move(*buffer));
      reader.submit(requests[next++]);
    }
    auto result = reader.next();
    if (!result) {
      break;
    }
    std::string content(text_of(*result));
    const auto tag = result->request.tag;
    held.erase(tag);
    results.emplace(tag, std::make_pair(std::move(*result), std::move(content)));
  }
  return results;
}

} // namespace

TEST_CASE("Reading 2000 small files of random sizes gives exactly their contents", "[io][batch]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  TempDir dir;
  const auto sizes = file_sizes(2000);
  std::vector<std::string> contents;
  OpenedFiles files;
  std::vector<ReadRequest> requests;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    contents.push_back(cback::test::random_bytes(sizes[i], i));
    const auto path =
        dir.write("tree/" + std::to_string(i % 37) + "/f" + std::to_string(i), contents.back());
    requests.push_back(files.request(path, i));
  }
  BufferPool pool(32, k_max_file);
  auto reader = BatchReader::open(*backend, 16);
  REQUIRE(reader);

  const auto results = read_all(*reader, pool, requests);

  REQUIRE(results.size() == sizes.size());
  std::vector<std::uint64_t> wrong;
  for (const auto& [tag, entry] : results) {
    if (!entry.first.ok() || entry.second != contents[tag]) {
      wrong.push_back(tag);
    }
  }
  CHECK(wrong.empty());
  CHECK(reader->pending() == 0);
  CHECK(pool.available() == pool.buffer_count());
}

TEST_CASE("A file that cannot be read is reported with its path, and only that file",
          "[io][batch]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  TempDir dir;
  const auto first = dir.write("first", "one");
  const auto directory = dir / "a-directory";
  std::filesystem::create_directory(directory);
  const auto last = dir.write("last", "three");
  BufferPool pool(8, 4096);
  auto reader = BatchReader::open(*backend, 2);
  REQUIRE(reader);
  OpenedFiles files;

  const auto results =
      read_all(*reader, pool,
               {files.request(first, 0), files.request(directory, 1), files.request(last, 2)});

  REQUIRE(results.size() == 3);
  CHECK(results.at(0).second == "one");
  CHECK(results.at(2).second == "three");
  const auto& unreadable = results.at(1).first;
  REQUIRE(unreadable.error);
  CHECK(unreadable.error->operation == "read");
  CHECK(unreadable.error->error_number == EISDIR);
  CHECK(unreadable.error->path == directory);
  CHECK(unreadable.error->message() == "read " + directory.string() + ": Is a directory");
}

TEST_CASE("A file larger than its buffer fills the buffer and says so by its length",
          "[io][batch]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  TempDir dir;
  const std::string content = cback::test::random_bytes(10000, 7);
  const auto path = dir.write("big", content);
  BufferPool pool(1, 4096);
  auto reader = BatchReader::open(*backend, 4);
  REQUIRE(reader);
  OpenedFiles files;

  const auto results = read_all(*reader, pool, {files.request(path, 0)});

  REQUIRE(results.size() == 1);
  CHECK(results.at(0).first.length == 4096);
  CHECK(results.at(0).second == content.substr(0, 4096));
}

TEST_CASE("A file opened by the caller is read from its start and left open", "[io][batch]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  TempDir dir;
  const auto path = dir.write("opened", "opened by the caller");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  BufferPool pool(1, 4096);
  auto reader = BatchReader::open(*backend, 1);
  REQUIRE(reader);

  const auto results = read_all(*reader, pool, {{path, fd, {}, 5}});

  REQUIRE(results.size() == 1);
  CHECK(results.at(5).second == "opened by the caller");
  CHECK(::fcntl(fd, F_GETFD) >= 0);
  ::close(fd);
}

TEST_CASE("A batch reader with nothing submitted has nothing to return", "[io][batch]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  auto reader = BatchReader::open(*backend, 8);
  REQUIRE(reader);
  CHECK_FALSE(reader->next());
  CHECK(reader->pending() == 0);
}

TEST_CASE("Dropping a batch reader with reads in flight waits for them", "[io][batch]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  TempDir dir;
  BufferPool pool(16, 4096);
  std::vector<Buffer> buffers;
  OpenedFiles files;
  {
    auto reader = BatchReader::open(*backend, 4);
    REQUIRE(reader);
    for (std::uint64_t i = 0; i < 16; ++i) {
      buffers.push_back(*pool.try_acquire());
      auto request = files.request(dir.write("f" + std::to_string(i), "x"), i);
      request.buffer = buffers.back().space();
      reader->submit(request);
    }
    REQUIRE(reader->next());
    CHECK(reader->pending() == 15);
  }
  buffers.clear();
  CHECK(pool.available() == 16);
}

} // namespace cback::io
