// The transport-independent transfer (verify, commit by rename, skip,
// resume) over local peers.

#include <cback/collect/manifest.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/io/backend.hpp>
#include <cback/peer/local_source.hpp>
#include <cback/peer/transfer.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/xattr.h>

#include <fstream>
#include <random>

namespace fs = std::filesystem;
using cback::peer::LocalSource;
using cback::peer::TransferResult;
using cback::test::read_file;
using cback::test::TempDir;

namespace {

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) {
    byte = static_cast<char>(random());
  }
  return bytes;
}

struct Peer {
  TempDir dir;
  cback::core::Logger log;
  std::unique_ptr<cback::io::Backend> backend =
      std::move(*cback::io::make_backend(cback::io::Preference::posix));
  fs::path collect = dir / "collect";
  fs::path target = dir / "target";

  Peer() {
    fs::create_directories(collect);
    fs::create_directories(target);
  }

  void add(const std::string& name, const std::string& content) const {
    dir.write("collect/" + name, content);
  }

  void add_manifest(const std::vector<std::string>& names) const {
    cback::collect::Manifest manifest;
    manifest.date = "2026-12-01";
    for (const auto& name : names) {
      const auto content = read_file(collect / name);
      manifest.archives.push_back({name, content.size(), cback::collect::sha256(content)});
    }
    cback::collect::write_manifest(collect / "cback.manifest", manifest);
  }

  TransferResult transfer(std::optional<double> limit = std::nullopt) {
    LocalSource source("alpha", collect);
    source.open();
    cback::peer::TransferSettings settings;
    settings.backend = backend.get();
    settings.bandwidth_limit = limit;
    settings.buffer_size = 64 * 1024;
    return cback::peer::transfer_peer(source, target, settings, log);
  }
};

} // namespace

TEST_CASE("Every file of a collect dir is staged with its content and mode", "[peer][transfer]") {
  Peer peer;
  const auto big = random_bytes(300'000, 1);
  peer.add("big.tar.gz", big);
  peer.add(".hidden", "dot");
  peer.add("cback.collect", "");
  peer.add("name with spaces \x01\xff", "odd");
  ::chmod((peer.collect / ".hidden").c_str(), 0600);
  const auto result = peer.transfer();
  CHECK(result.files == 4);
  CHECK(result.bytes == big.size() + 6);
  CHECK(result.sent == result.bytes);
  CHECK(read_file(peer.target / "big.tar.gz") == big);
  CHECK(read_file(peer.target / "name with spaces \x01\xff") == "odd");
  CHECK(fs::exists(peer.target / "cback.collect"));
  struct ::stat st {};
  REQUIRE(::stat((peer.target / ".hidden").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  for (const auto& entry : fs::directory_iterator(peer.target)) {
    CHECK_FALSE(entry.path().string().ends_with(".partial"));
  }
}

TEST_CASE("Files already staged are not sent again on a re-run", "[peer][transfer]") {
  Peer peer;
  peer.add("a.tar", random_bytes(5000, 2));
  peer.add("b.tar", random_bytes(7000, 3));
  peer.add_manifest({"a.tar"});
  peer.transfer();
  const auto again = peer.transfer();
  CHECK(again.files == 3);
  CHECK(again.files_skipped == 3);
  CHECK(again.sent == 0);
}

TEST_CASE("A source file changed since it was staged is staged again", "[peer][transfer]") {
  Peer peer;
  peer.add("a.tar", "first");
  peer.transfer();
  peer.add("a.tar", "other");
  const auto later = fs::last_write_time(peer.collect / "a.tar") + std::chrono::seconds(5);
  fs::last_write_time(peer.collect / "a.tar", later);
  const auto again = peer.transfer();
  CHECK(again.files_skipped == 0);
  CHECK(read_file(peer.target / "a.tar") == "other");
}

TEST_CASE("A partial file from an interrupted run is resumed from its length", "[peer][transfer]") {
  Peer peer;
  const auto content = random_bytes(200'000, 4);
  peer.add("big.tar", content);
  peer.add_manifest({"big.tar"});
  // What an interrupted run leaves: a prefix, marked with the source's identity.
  peer.transfer();
  fs::rename(peer.target / "big.tar", peer.target / "big.tar.partial");
  fs::resize_file(peer.target / "big.tar.partial", 50'000);
  const auto result = peer.transfer();
  CHECK(result.files_resumed == 1);
  CHECK(result.sent == 150'000);
  CHECK(read_file(peer.target / "big.tar") == content);
  CHECK_FALSE(fs::exists(peer.target / "big.tar.partial"));
}

TEST_CASE("A partial file without the source's identity is started afresh", "[peer][transfer]") {
  Peer peer;
  const auto content = random_bytes(100'000, 5);
  peer.add("big.tar", content);
  peer.dir.write("target/big.tar.partial", std::string(40'000, 'x'));
  const auto result = peer.transfer();
  CHECK(result.files_resumed == 0);
  CHECK(result.sent == 100'000);
  CHECK(read_file(peer.target / "big.tar") == content);
}

TEST_CASE("A resumed file whose earlier bytes are wrong fails the checksum and is discarded",
          "[peer][transfer]") {
  Peer peer;
  const auto content = random_bytes(100'000, 6);
  peer.add("big.tar", content);
  peer.add_manifest({"big.tar"});
  peer.transfer();
  fs::rename(peer.target / "big.tar", peer.target / "big.tar.partial");
  {
    std::fstream partial(peer.target / "big.tar.partial", std::ios::in | std::ios::out);
    partial.seekp(10);
    partial.write("garbage", 7);
  }
  fs::resize_file(peer.target / "big.tar.partial", 60'000);
  CHECK_THROWS_WITH(peer.transfer(), Catch::Contains("checksum mismatch for [big.tar]"));
  CHECK_FALSE(fs::exists(peer.target / "big.tar.partial"));
  CHECK_FALSE(fs::exists(peer.target / "big.tar"));
  peer.transfer();
  CHECK(read_file(peer.target / "big.tar") == content);
}

TEST_CASE("A file that does not match its manifest entry fails the peer", "[peer][transfer]") {
  Peer peer;
  peer.add("good.tar", "good");
  peer.add("bad.tar", "original");
  peer.add_manifest({"good.tar", "bad.tar"});
  peer.add("bad.tar", "altered!");
  CHECK_THROWS_WITH(peer.transfer(),
                    Catch::Contains("checksum mismatch for [bad.tar]") && Catch::Contains("alpha"));
  CHECK_FALSE(fs::exists(peer.target / "bad.tar"));
  CHECK_FALSE(fs::exists(peer.target / "bad.tar.partial"));
}

TEST_CASE("An archive listed in the manifest but missing fails the peer", "[peer][transfer]") {
  Peer peer;
  peer.add("gone.tar", "x");
  peer.add_manifest({"gone.tar"});
  fs::remove(peer.collect / "gone.tar");
  CHECK_THROWS_WITH(peer.transfer(), Catch::Contains("[gone.tar]") && Catch::Contains("missing"));
}

TEST_CASE("A directory in the collect dir fails the peer", "[peer][transfer]") {
  Peer peer;
  peer.add("a.tar", "x");
  fs::create_directories(peer.collect / "sub");
  CHECK_THROWS_WITH(peer.transfer(),
                    Catch::Contains("Source [sub]") && Catch::Contains("is not a regular file"));
}

TEST_CASE("Unfinished files of the peer's collect are not staged", "[peer][transfer]") {
  Peer peer;
  peer.add("a.tar", "x");
  peer.add("b.tar.partial", "half");
  const auto result = peer.transfer();
  CHECK(result.files == 1);
  CHECK_FALSE(fs::exists(peer.target / "b.tar.partial"));
}

TEST_CASE("A stage indicator is written into a local peer's collect dir", "[peer][transfer]") {
  Peer peer;
  LocalSource source("alpha", peer.collect);
  CHECK_FALSE(source.collect_indicator_present());
  peer.add("cback.collect", "");
  CHECK(source.collect_indicator_present());
  source.write_stage_indicator();
  CHECK(fs::exists(peer.collect / "cback.stage"));
  LocalSource missing("beta", peer.dir / "nowhere");
  missing.open();
  CHECK_FALSE(missing.collect_indicator_present());
  CHECK_THROWS_WITH(missing.list(), Catch::Contains("does not exist"));
}
