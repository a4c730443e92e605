#include <cback/core/buffer_pool.hpp>
#include <cback/io/file_writer.hpp>

#include "support/io_backends.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

using cback::core::BufferPool;
using cback::io::FileWriter;
using cback::test::TempDir;

namespace {

int create_file(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

/// Writes `content` in pool buffers of varying fill; returns the first error
/// from write(), flush() or sync(), empty when all went well. When the pool
/// is empty the writer holds its buffers: flush() gives them back.
std::optional<cback::io::IoError> write_all(FileWriter& writer, BufferPool& pool,
                                            std::string_view content) {
  std::mt19937_64 random(3);
  std::size_t done = 0;
  while (done < content.size()) {
    auto buffer = pool.try_acquire();
    if (!buffer) {
      if (auto flushed = writer.flush(); !flushed) {
        return flushed.error();
      }
      buffer = pool.acquire();
    }
    const std::size_t length =
        std::min<std::size_t>(content.size() - done, 1 + random() % buffer->capacity());
    std::memcpy(buffer->data(), content.data() + done, length);
    buffer->resize(length);
    done += length;
    if (auto written = writer.write(std::move(*buffer)); !written) {
      return written.error();
    }
  }
  if (auto synced = writer.sync(); !synced) {
    return synced.error();
  }
  return std::nullopt;
}

/// An Engine that does each operation at once (pwrite) and records what
/// it was asked: tests assert what happened.
class RecordingEngine final : public cback::io::Engine {
public:
  explicit RecordingEngine(unsigned depth) : m_depth(depth) {}
  [[nodiscard]] unsigned depth() const noexcept override { return m_depth; }
  [[nodiscard]] unsigned in_flight() const noexcept override {
    return static_cast<unsigned>(m_done.size());
  }
  void start_read(int, std::span<std::byte>, std::uint64_t, std::uint64_t) override {
    FAIL("a writer never reads");
  }
  void start_write(int fd, std::span<const std::byte> from, std::uint64_t offset,
                   std::uint64_t token) override {
    check_room();
    log.push_back(fmt::format("write {}+{}", offset, from.size()));
    m_done.push_back({token, ::pwrite(fd, from.data(), from.size(), static_cast<off_t>(offset))});
  }
  void start_fdatasync(int, std::uint64_t token) override {
    check_room();
    log.push_back("fdatasync");
    m_done.push_back({token, 0});
  }
  void start_writeback(int, std::uint64_t offset, std::uint64_t length,
                       std::uint64_t token) override {
    check_room();
    log.push_back(fmt::format("writeback {}+{}", offset, length));
    m_done.push_back({token, 0});
  }
  cback::io::Completion wait() override {
    REQUIRE_FALSE(m_done.empty());
    const auto done = m_done.front();
    m_done.pop_front();
    return done;
  }
  std::optional<cback::io::Completion> poll() override {
    if (m_done.empty()) {
      return std::nullopt;
    }
    return wait();
  }

  std::vector<std::string> log;

private:
  void check_room() const { REQUIRE(m_done.size() < m_depth); }

  unsigned m_depth;
  std::deque<cback::io::Completion> m_done;
};

} // namespace

TEST_CASE("Write-back starts behind the writes every step bytes", "[io][write]") {
  TempDir dir;
  const auto path = dir / "out.partial";
  const int fd = create_file(path);
  REQUIRE(fd >= 0);
  RecordingEngine engine(1);
  BufferPool pool(2, 4096);
  {
    FileWriter writer(engine, fd, path, 1000);
    writer.write_back_every(8192);
    for (int i = 0; i < 5; ++i) {
      auto buffer = pool.acquire();
      std::memset(buffer->data(), 'a' + i, 4096);
      buffer->resize(4096);
      REQUIRE(writer.write(std::move(*buffer)));
    }
    REQUIRE(writer.sync());
  }
  ::close(fd);
  CHECK(engine.log == std::vector<std::string>{"write 1000+4096", "write 5096+4096",
                                               "writeback 1000+8192", "write 9192+4096",
                                               "write 13288+4096", "writeback 9192+8192",
                                               "write 17384+4096", "fdatasync"});
  CHECK(std::filesystem::file_size(path) == 1000 + 5 * 4096);
}

TEST_CASE("Written buffers produce exactly their bytes", "[io][write]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  TempDir dir;
  const auto path = dir / "out.partial";
  const int fd = create_file(path);
  REQUIRE(fd >= 0);
  const std::string content = cback::test::random_bytes((12 << 20) + 777, 12);
  BufferPool pool(6, 64 * 1024);
  {
    auto engine = backend->make_engine(4);
    REQUIRE(engine);
    FileWriter writer(**engine, fd, path);

    const auto error = write_all(writer, pool, content);

    CHECK_FALSE(error);
    CHECK(writer.bytes_queued() == content.size());
  }
  ::close(fd);
  CHECK(cback::test::read_file(path) == content);
  CHECK(pool.available() == pool.buffer_count());
}

TEST_CASE("One engine writes one file after another", "[io][write]") {
  const auto preference = CBACK_EACH_BACKEND();
  auto backend = cback::test::backend_under_test(preference);
  if (!backend) {
    return;
  }
  TempDir dir;
  BufferPool pool(6, 64 * 1024);
  auto engine = backend->make_engine(4);
  REQUIRE(engine);
  for (int i = 0; i < 3; ++i) {
    const auto path = dir / ("file" + std::to_string(i));
    const int fd = create_file(path);
    REQUIRE(fd >= 0);
    const std::string content = cback::test::random_bytes((1 << 20) + 333 * i, i);
    {
      FileWriter writer(**engine, fd, path);
      CHECK_FALSE(write_all(writer, pool, content));
    }
    CHECK((*engine)->in_flight() == 0);
    ::close(fd);
    CHECK(cback::test::read_file(path) == content);
  }
  CHECK(pool.available() == pool.buffer_count());
}

TEST_CASE("A full device is reported with the path on write", "[io][write]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  BufferPool pool(4, 4096);
  auto engine = backend->make_engine(2);
  REQUIRE(engine);
  FileWriter writer(**engine, fd, "/dev/full");

  const auto error = write_all(writer, pool, cback::test::random_bytes(100000, 1));

  REQUIRE(error);
  CHECK(error->message() == "write /dev/full: No space left on device");
  const auto again = writer.flush();
  REQUIRE_FALSE(again);
  CHECK(again.error().error_number == ENOSPC);
  ::close(fd);
}

TEST_CASE("A full filesystem is reported as ENOSPC with the path", "[io][write]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  backend.reset(); // no threads at fork(): see run_in_child
  TempDir dir;
  // A 1 MiB tmpfs in a mount namespace of a child: nothing leaks into the
  // system, and without the privilege to mount the test says so.
  const auto child = cback::test::run_in_child([&]() -> std::string {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=1m") != 0) {
      return std::string("cannot mount: ") + std::strerror(errno);
    }
    const auto path = dir / "image.partial";
    const int fd = create_file(path);
    // The pool outlives the writer: it holds buffers until it is gone.
    BufferPool pool(4, 64 * 1024);
    auto child_backend = cback::io::make_backend(preference);
    auto engine = (*child_backend)->make_engine(4);
    FileWriter writer(**engine, fd, path);
    const auto error = write_all(writer, pool, cback::test::random_bytes(3 << 20, 2));
    return error ? error->message() : "no error";
  });
  if (child.output.rfind("cannot mount", 0) == 0) {
    cback::test::skip("the tmpfs variant (/dev/full covers the error path): " + child.output);
    return;
  }
  CHECK(child.output == "write " + (dir / "image.partial").string() + ": No space left on device");
}

TEST_CASE("A short write is continued where it stopped", "[io][write]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  backend.reset(); // no threads at fork(): see run_in_child
  TempDir dir;
  const auto path = dir / "limited";
  const std::string content = cback::test::random_bytes(1 << 20, 9);
  constexpr rlim_t k_limit = (512 << 10) + 100;
  // A file size limit makes the write that crosses it short, and the one
  // after it fail with EFBIG (SIGXFSZ ignored): set in a child, as it is
  // for the whole process.
  const auto child = cback::test::run_in_child([&]() -> std::string {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{k_limit, k_limit};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) {
      return "setrlimit failed";
    }
    const int fd = create_file(path);
    // The pool outlives the writer: it holds buffers until it is gone.
    BufferPool pool(4, 64 * 1024);
    auto child_backend = cback::io::make_backend(preference);
    auto engine = (*child_backend)->make_engine(4);
    FileWriter writer(**engine, fd, path);
    const auto error = write_all(writer, pool, content);
    return error ? error->message() : "no error";
  });

  CAPTURE(child.exit_status);
  CHECK(child.output == "write " + path.string() + ": File too large");
  const std::string written = cback::test::read_file(path);
  CHECK(written.size() == k_limit);
  CHECK(written == content.substr(0, k_limit));
}
