// Reading what the real store wrote to a stdio: image over several days
// through restore::open_image_source: the newest session's tree holds every
// day, each file reads back as it was staged, a small read of a big file
// reads little, and the image is never changed.

#include "support/iso_tools.hpp"
#include "support/parts.hpp"
#include "support/store_pool.hpp"

#include <cback/core/digest.hpp>
#include <cback/core/error.hpp>
#include <cback/media/md5.hpp>
#include <cback/restore/history.hpp>
#include <cback/restore/source.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <sys/stat.h>

namespace fs = std::filesystem;
namespace iso = cback::test::iso;

namespace cback::test {

namespace {

using restore::Source;
using restore::SourceEntryKind;

const std::vector<std::string> k_days = {"2026-11-24", "2026-11-25", "2026-11-26"};

/// What identifies the image's bytes and its last change.
struct Fingerprint {
  std::string digest;
  std::int64_t mtime_ns = 0;
  off_t size = 0;
  bool operator==(const Fingerprint&) const = default;
};

Fingerprint fingerprint(const fs::path& image) {
  struct stat info {};
  REQUIRE(::stat(image.c_str(), &info) == 0);
  const auto digest = core::sha256_file(image.string());
  REQUIRE(digest);
  return {core::to_hex(*digest),
          std::int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec, info.st_size};
}

/// A pool whose image holds three sessions, one per day, the second day's
/// etc.tar of 3 MB, and what the image was when they were written.
struct StoredDays {
  StorePool pool;
  Fingerprint written;
  StoredDays() {
    for (const auto& date : k_days) {
      pool.stage_day(date, "DAY-" + date, date == k_days[1] ? 3'000'000 : 50'000);
      const RunResult stored = pool.run({"store"}, date);
      INFO(stored.out << stored.err << pool.log());
      REQUIRE(stored.exit_code == 0);
    }
    REQUIRE(iso::toc(pool.image).size() == k_days.size());
    written = fingerprint(pool.image);
  }
  [[nodiscard]] bool unchanged() const { return fingerprint(pool.image) == written; }
};

/// The access modes (O_RDONLY, O_WRONLY, O_RDWR) of this process's open
/// descriptors on `file`.
std::vector<int> access_modes_on(const fs::path& file) {
  std::vector<int> modes;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    if (fs::read_symlink(entry.path(), error) != file) {
      continue;
    }
    std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
    std::string key;
    std::string value;
    while (info >> key >> value) {
      if (key == "flags:") {
        modes.push_back(std::stoi(value, nullptr, 8) & O_ACCMODE);
      }
    }
  }
  return modes;
}

std::vector<std::string> names(const Source& source, const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : source.list(dir)) {
    out.push_back(entry.name);
  }
  return out;
}

/// The whole file, read in pieces of `chunk` bytes.
std::string read_all(const Source& source, const std::string& path, std::size_t chunk) {
  auto file = source.open(path);
  std::string data;
  std::vector<std::byte> buffer(chunk);
  for (;;) {
    const std::size_t got = file->read_at(data.size(), buffer);
    if (got == 0) {
      break;
    }
    data.append(reinterpret_cast<const char*>(buffer.data()), got);
  }
  CHECK(data.size() == file->size());
  return data;
}

/// Regular files below `dir` of the source, by path relative to the root.
void files_below(const Source& source, const std::string& dir,
                 std::map<std::string, std::uint64_t>& out) {
  for (const auto& entry : source.list(dir)) {
    const std::string path = dir.empty() ? entry.name : dir + "/" + entry.name;
    if (entry.kind == SourceEntryKind::directory) {
      files_below(source, path, out);
    } else {
      CHECK(entry.kind == SourceEntryKind::file);
      out[path] = entry.size;
    }
  }
}

std::string read_range(const Source& source, const std::string& path, std::uint64_t offset,
                       std::size_t size) {
  auto file = source.open(path);
  std::vector<std::byte> buffer(size);
  const std::size_t got = file->read_at(offset, buffer);
  return {reinterpret_cast<const char*>(buffer.data()), got};
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

} // namespace

TEST_CASE("An image source lists every stored day and peer and reads each file as it was staged",
          "[integration][restore][image]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  const StoredDays days;
  const StorePool& pool = days.pool;

  const auto source = restore::open_image_source("stdio:" + pool.image.string());
  CHECK(source->describe() == "image " + pool.image.string());
  // Every descriptor on the image (cback's and libburn's) is read-only.
  const std::vector<int> modes = access_modes_on(fs::canonical(pool.image));
  CHECK_FALSE(modes.empty());
  CHECK(std::all_of(modes.begin(), modes.end(), [](int mode) { return mode == O_RDONLY; }));
  CHECK(names(*source, "") == std::vector<std::string>{"2026"});
  CHECK(names(*source, "2026/11") == std::vector<std::string>{"24", "25", "26"});
  CHECK(names(*source, "2026/11/25") ==
        std::vector<std::string>{"cback.peers", "cback.stage", "peer1", "peer2"});
  CHECK(source->list("2026/11/30").empty());
  CHECK(source->list("2026/11/25/cback.stage").empty());

  std::map<std::string, std::uint64_t> on_image;
  files_below(*source, "", on_image);
  std::map<std::string, std::uint64_t> staged;
  for (const auto& entry : fs::recursive_directory_iterator(pool.staging())) {
    if (entry.is_regular_file() && entry.path().filename() != "cback.store") {
      staged[entry.path().lexically_relative(pool.staging()).string()] = entry.file_size();
    }
  }
  REQUIRE(on_image == staged);
  for (const auto& [path, size] : staged) {
    INFO(path);
    const std::string expected = iso::contents(pool.staging() / path);
    CHECK(read_all(*source, path, 65'536) == expected);
    CHECK(read_all(*source, path, 4'093) == expected);
  }
  CHECK(source->bytes_read() ==
        2 * std::accumulate(staged.begin(), staged.end(), std::uint64_t{0},
                            [](std::uint64_t sum, const auto& item) { return sum + item.second; }));

  // A plain path is the same image.
  CHECK(names(*restore::open_image_source(pool.image.string()), "2026/11") ==
        std::vector<std::string>{"24", "25", "26"});
  CHECK(days.unchanged());
}

TEST_CASE("An image source reads at odd offsets and ends, and reads only what it is asked for",
          "[integration][restore][image]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  const StoredDays days;
  const StorePool& pool = days.pool;
  const std::string path = "2026/11/25/peer1/etc.tar";
  const std::string expected = iso::contents(pool.day_dir("2026-11-25") / "peer1/etc.tar");
  REQUIRE(expected.size() >= 3'000'000);

  const auto source = restore::open_image_source(pool.image.string());
  auto file = source->open(path);
  CHECK(file->size() == expected.size());
  for (const std::uint64_t offset :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2047}, std::uint64_t{2048},
        std::uint64_t{2049}, std::uint64_t{1'234'567}, std::uint64_t{expected.size() - 5}}) {
    INFO("offset " << offset);
    CHECK(read_range(*source, path, offset, 7) == expected.substr(offset, 7));
  }
  // Across the end: what is there, then nothing.
  CHECK(read_range(*source, path, expected.size() - 3, 100) ==
        expected.substr(expected.size() - 3));
  std::vector<std::byte> buffer(10);
  CHECK(file->read_at(expected.size(), buffer) == 0);
  CHECK(file->read_at(expected.size() + 4096, buffer) == 0);
  CHECK(file->read_at(0, std::span<std::byte>()) == 0);

  // Reading ten bytes of a 3 MB archive reads ten bytes, not the archive.
  const std::uint64_t read_so_far = source->bytes_read();
  CHECK(read_range(*source, path, 2'500'001, 10) == expected.substr(2'500'001, 10));
  CHECK(source->bytes_read() - read_so_far == 10);
  // One large read of the whole file.
  CHECK(read_range(*source, path, 0, expected.size() + 1000) == expected);
  CHECK(days.unchanged());
}

TEST_CASE("An image source names the image and the path of what it cannot open",
          "[integration][restore][image]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  const StoredDays days;
  const StorePool& pool = days.pool;
  const auto source = restore::open_image_source(pool.image.string());
  const std::string image = pool.image.string();

  std::string message = error_of([&] { source->open("2026/11/25/peer1/nothing.tar"); });
  CHECK(message.find("2026/11/25/peer1/nothing.tar") != std::string::npos);
  CHECK(message.find(image) != std::string::npos);
  message = error_of([&] { source->open("2026/11/25/peer1"); });
  CHECK(message.find("not a regular file") != std::string::npos);
  CHECK(message.find(image) != std::string::npos);
  message = error_of([&] { source->open("2026/11/../11/25/peer1/etc.tar"); });
  CHECK(message.find("2026/11/../11/25/peer1/etc.tar") != std::string::npos);
  CHECK(error_of([&] { (void)source->list("2026//11"); }).find("2026//11") != std::string::npos);

  const fs::path missing = pool.dir / "no-such.iso";
  message = error_of([&] { restore::open_image_source("stdio:" + missing.string()); });
  CHECK(message.find(missing.string()) != std::string::npos);
  CHECK(message.find("No such file") != std::string::npos);
  message = error_of([&] { restore::open_image_source(pool.dir.path().string()); });
  CHECK(message.find(pool.dir.path().string()) != std::string::npos);
  CHECK(message.find("neither an image file nor a disc device") != std::string::npos);
  CHECK(days.unchanged());
}

TEST_CASE("A truncated, garbage or empty image is refused naming it, and left as it was",
          "[integration][restore][image]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  const StoredDays days;
  const StorePool& pool = days.pool;
  const std::string whole = iso::contents(pool.image);

  auto refused = [&](const std::string& name, const std::string& data) {
    const fs::path path = pool.dir.write(name, data);
    const Fingerprint before = fingerprint(path);
    const std::string message = error_of([&] { restore::open_image_source(path.string()); });
    INFO(name << ": " << message);
    CHECK(message.find(path.string()) != std::string::npos);
    CHECK(fingerprint(path) == before);
  };
  // The newest session's tree lies after the first session.
  refused("half.iso", whole.substr(0, whole.size() / 2));
  refused("head.iso", whole.substr(0, 40'000));
  std::string garbage;
  for (std::size_t i = 0; garbage.size() < 300'000; ++i) {
    garbage += static_cast<char>((i * 7919 + 13) % 251);
  }
  refused("garbage.iso", garbage);
  refused("empty.iso", "");

  // Cut inside the newest session's file data: the session's tail (its
  // checksums) is missing, so the tree is refused too.
  const std::string day_three = iso::contents(pool.day_dir("2026-11-26") / "peer1/etc.tar");
  const auto at = whole.rfind(day_three.substr(0, 200));
  REQUIRE(at != std::string::npos);
  refused("cut.iso", whole.substr(0, at + 1000));

  // An image that shrinks after it was opened: a read that reaches past
  // its end names the image and the file.
  const fs::path shrunk = pool.dir.write("shrunk.iso", whole);
  const auto source = restore::open_image_source(shrunk.string());
  fs::resize_file(shrunk, at + 1000);
  const std::string path = "2026/11/26/peer1/etc.tar";
  CHECK(read_range(*source, path, 0, 1000) == day_three.substr(0, 1000));
  const std::string message = error_of([&] { (void)read_range(*source, path, 900, 200); });
  INFO(message);
  CHECK(message.find(shrunk.string()) != std::string::npos);
  CHECK(message.find(path) != std::string::npos);
  CHECK(message.find("truncated") != std::string::npos);
}

} // namespace cback::test

namespace cback::test {
namespace {

media::Md5 md5_of(const std::string& data) {
  media::Md5Context md5;
  md5.add(data.data(), data.size());
  return md5.finish();
}

} // namespace

TEST_CASE("Verify checks each file of an image against the MD5 the store recorded, and a "
          "flipped byte is found even with no manifest to compare",
          "[integration][restore][image][verify]") {
  CBACK_REQUIRE_PART(iso::readers_available());
  const StoredDays days;
  const StorePool& pool = days.pool;
  const std::string path = "2026/11/25/peer1/etc.tar";
  const std::string expected = iso::contents(pool.day_dir("2026-11-25") / "peer1/etc.tar");

  const auto source = restore::open_image_source("stdio:" + pool.image.string());
  CHECK(source->recorded_md5(path) == md5_of(expected));
  CHECK_FALSE(source->recorded_md5("2026/11/25/peer1"));
  CHECK_FALSE(source->recorded_md5("2026/11/25/peer1/none.tar"));
  CHECK_NOTHROW(restore::check_file(*source, path, nullptr, restore::DiscMd5::check));
  // A directory keeps no MD5s.
  CHECK_FALSE(restore::open_directory_source(pool.staging())->recorded_md5(path));

  // One byte of the file's data changed in a copy of the image.
  const fs::path damaged = pool.dir / "damaged.iso";
  std::string image = iso::contents(pool.image);
  const auto at = image.find(expected.substr(1'000'000, 64));
  REQUIRE(at != std::string::npos);
  image[at] = static_cast<char>(image[at] ^ 0x01);
  std::ofstream(damaged, std::ios::binary) << image;
  const auto bad = restore::open_image_source("stdio:" + damaged.string());
  CHECK_NOTHROW(restore::check_file(*bad, path, nullptr, restore::DiscMd5::ignore));
  const std::string error =
      error_of([&] { restore::check_file(*bad, path, nullptr, restore::DiscMd5::check); });
  CHECK(error.find(path) != std::string::npos);
  CHECK(error.find("MD5") != std::string::npos);
  CHECK(error.find(damaged.string()) != std::string::npos);
  CHECK(days.unchanged());
}

} // namespace cback::test
