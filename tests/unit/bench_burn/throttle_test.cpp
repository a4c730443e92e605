// The throttled pseudo-drive and the paced source of cback-bench burn.

#include "support/temp_dir.hpp"

#include <cback/bench_burn/synthetic_tree.hpp>
#include <cback/bench_burn/throttle.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <string>
#include <thread>
#include <unistd.h>

using namespace cback::bench_burn;
using cback::test::TempDir;

namespace {

// The write end of the sink's pipe, as libburn would open it.
int open_drive(const ThrottledSink& sink) {
  const std::string path = sink.address().substr(std::string("stdio:").size());
  return ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
}

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t got = ::write(fd, data.data() + done, data.size() - done);
    REQUIRE(got > 0);
    done += static_cast<std::size_t>(got);
  }
}

} // namespace

TEST_CASE("the source stalls at the end of every period", "[bench_burn][throttle]") {
  const Stall stall{std::chrono::milliseconds(200), std::chrono::milliseconds(1000)};
  CHECK(stall_remaining(stall, Seconds(0.0)).count() == Approx(0.0));
  CHECK(stall_remaining(stall, Seconds(0.79)).count() == Approx(0.0));
  CHECK(stall_remaining(stall, Seconds(0.8)).count() == Approx(0.2));
  CHECK(stall_remaining(stall, Seconds(0.95)).count() == Approx(0.05));
  CHECK(stall_remaining(stall, Seconds(1.1)).count() == Approx(0.0));
  CHECK(stall_remaining(stall, Seconds(2.9)).count() == Approx(0.1));
  CHECK(stall_remaining(Stall{}, Seconds(0.9)).count() == Approx(0.0));
}

TEST_CASE("generated content depends on seed, file and offset only", "[bench_burn][throttle]") {
  std::string whole(1000, '\0');
  synthetic_bytes(7, 3, 0, whole);
  std::string pieces(1000, '\0');
  synthetic_bytes(7, 3, 0, std::span<char>(pieces.data(), 13));
  synthetic_bytes(7, 3, 13, std::span<char>(pieces.data() + 13, 500));
  synthetic_bytes(7, 3, 513, std::span<char>(pieces.data() + 513, 487));
  CHECK(pieces == whole);
  std::string other(1000, '\0');
  synthetic_bytes(7, 4, 0, other);
  CHECK(other != whole);
  synthetic_bytes(8, 3, 0, other);
  CHECK(other != whole);
}

TEST_CASE("a generated tree is written as files of the generated content",
          "[bench_burn][throttle]") {
  TempDir dir;
  write_synthetic_tree({1000, 3, 7}, dir.path());
  const auto first = cback::test::read_file(dir / "dir-000/file-00000.bin");
  const auto last = cback::test::read_file(dir / "dir-000/file-00002.bin");
  CHECK(first.size() == 333);
  CHECK(last.size() == 334);
  std::string expected(334, '\0');
  synthetic_bytes(7, 2, 0, expected);
  CHECK(last == expected);
  CHECK_FALSE(std::filesystem::exists(dir / "dir-001"));
}

TEST_CASE("the sink passes every byte to the image and commits it at the end",
          "[bench_burn][throttle]") {
  TempDir dir;
  const auto image = dir / "out.img";
  const std::string data(300 * 1024, 'x');
  ThrottledSink sink({50.0 * 1024 * 1024, 1024 * 1024, image}, std::chrono::steady_clock::now());
  {
    const int fd = open_drive(sink);
    REQUIRE(fd >= 0);
    write_all(fd, data);
    ::close(fd);
  }
  CHECK_FALSE(std::filesystem::exists(image));
  const SinkReport report = sink.finish();
  CHECK(report.bytes == static_cast<std::int64_t>(data.size()));
  CHECK(report.underruns.empty());
  CHECK(cback::test::read_file(image) == data);
}

TEST_CASE("the sink counts an underrun when data stops and comes again", "[bench_burn][throttle]") {
  ThrottledSink sink({10.0 * 1024 * 1024, 64 * 1024, std::nullopt},
                     std::chrono::steady_clock::now());
  const int fd = open_drive(sink);
  REQUIRE(fd >= 0);
  // The drive starts once its buffer is full; 64 KiB last it about 6 ms,
  // then it waits for more and counts that.
  write_all(fd, std::string(64 * 1024, 'a'));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  write_all(fd, std::string(32 * 1024, 'b'));
  ::close(fd);
  const SinkReport report = sink.finish();
  CHECK(report.bytes == 96 * 1024);
  REQUIRE(report.underruns.size() == 1);
  CHECK(report.underruns[0].length.count() > 0.0);
}

TEST_CASE("the stalls start only once the FIFO has filled", "[bench_burn][throttle]") {
  const Stall stall{std::chrono::milliseconds(200), std::chrono::milliseconds(1000)};
  // Not armed: the FIFO is still filling, the source never waits, even
  // where a stall window would be.
  CHECK(stall_wait(stall, std::nullopt, Seconds(0.9)).count() == Approx(0.0));
  // Armed at 2.5 s: the windows count from there, so 3.4 s (0.9 s into
  // the first period) waits 0.1 s and 3.2 s (0.7 s in) does not wait.
  CHECK(stall_wait(stall, Seconds(2.5), Seconds(3.4)).count() == Approx(0.1));
  CHECK(stall_wait(stall, Seconds(2.5), Seconds(3.2)).count() == Approx(0.0));
  CHECK(stall_wait(stall, Seconds(2.5), Seconds(1.0)).count() == Approx(0.0));
}

TEST_CASE("a FIFO counts as filled at three quarters", "[bench_burn][throttle]") {
  CHECK_FALSE(fifo_filled(0, 4096 * 4));
  CHECK_FALSE(fifo_filled(4096 * 3 - 1, 4096 * 4));
  CHECK(fifo_filled(4096 * 3, 4096 * 4));
  CHECK_FALSE(fifo_filled(0, 0));
}
