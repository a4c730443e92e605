// The transport-independent transfer (verify, commit by rename, skip,
// resume) over local peers.

#include <cback/collect/manifest.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/io/backend.hpp>
#include <cback/peer/local_source.hpp>
#include <cback/peer/transfer.hpp>

#include "support/fake_peer_source.hpp"
#include "support/random_bytes.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/xattr.h>

#include <cstring>
#include <fstream>

namespace fs = std::filesystem;

namespace cback::peer {
using test::random_bytes;
using test::read_file;
using test::TempDir;

namespace {

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
      manifest.archives.push_back({name, content.size(), cback::core::sha256(content)});
    }
    cback::collect::write_manifest(collect / "cback.manifest", manifest);
  }

  /// Adds `name` with `content` and in the manifest, stages it, and turns
  /// the staged copy back into NAME.partial: the whole file, marked with
  /// the source's identity, as an interrupted run leaves it.
  void stage_then_interrupt(const std::string& name, const std::string& content) {
    add(name, content);
    add_manifest({name});
    transfer();
    fs::rename(target / name, target / (name + ".partial"));
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
  // What an interrupted run leaves: a prefix, marked with the source's identity.
  peer.stage_then_interrupt("big.tar", content);
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
  peer.stage_then_interrupt("big.tar", content);
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

TEST_CASE("A content index is checked against the manifest like an archive", "[peer][transfer]") {
  Peer peer;
  peer.add("a.tar", "archive");
  peer.add("a.tar.index", "the index");
  cback::collect::Manifest manifest;
  manifest.date = "2026-12-01";
  manifest.archives.push_back({"a.tar", 7, cback::core::sha256("archive")});
  manifest.indexes.push_back({"a.tar.index", 9, cback::core::sha256("the index")});
  cback::collect::write_manifest(peer.collect / "cback.manifest", manifest);
  SECTION("a good one is staged") {
    peer.transfer();
    CHECK(read_file(peer.target / "a.tar.index") == "the index");
  }
  SECTION("an altered one fails the peer") {
    peer.add("a.tar.index", "the INDEX");
    CHECK_THROWS_WITH(peer.transfer(), Catch::Contains("checksum mismatch for [a.tar.index]"));
    CHECK_FALSE(fs::exists(peer.target / "a.tar.index"));
  }
  SECTION("a missing one fails the peer") {
    fs::remove(peer.collect / "a.tar.index");
    CHECK_THROWS_WITH(peer.transfer(),
                      Catch::Contains("[a.tar.index]") && Catch::Contains("missing"));
  }
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

namespace {

/// An entry of a hostile listing: a regular file of `size` bytes.
cback::peer::SourceEntry listed(std::string name, std::uint64_t size = 3) {
  cback::peer::SourceEntry entry;
  entry.name = std::move(name);
  entry.size = size;
  return entry;
}

} // namespace

TEST_CASE("A listed name that is not a plain file name fails the peer, whatever the transport",
          "[peer][transfer]") {
  Peer peer;
  const auto aim = (peer.dir / "victim").string();
  for (const std::string& name :
       {aim, std::string("../victim"), std::string("./../victim"), std::string("a/b"),
        std::string(""), std::string("."), std::string(".."), std::string("a\0b", 3),
        std::string(300, 'n')}) {
    INFO("name " << name);
    test::FakePeerSource source("listed");
    source.listed(listed("good.tar")).listed(listed(name));
    cback::peer::TransferSettings settings;
    settings.backend = peer.backend.get();
    CHECK_THROWS_WITH(cback::peer::transfer_peer(source, peer.target, settings, peer.log),
                      Catch::Contains("peer [listed]") && Catch::Contains("not a plain file name"));
    CHECK_FALSE(fs::exists(peer.dir / "victim"));
    CHECK_FALSE(fs::exists(peer.dir / "victim.partial"));
    CHECK_FALSE(fs::exists(peer.target / "good.tar")); // refused before anything is staged
  }
}

TEST_CASE("A listing that names a file twice or gives it an impossible size fails the peer",
          "[peer][transfer]") {
  Peer peer;
  cback::peer::TransferSettings settings;
  settings.backend = peer.backend.get();
  test::FakePeerSource twice("listed");
  twice.listed(listed("a.tar")).listed(listed("b.tar")).listed(listed("a.tar"));
  CHECK_THROWS_WITH(cback::peer::transfer_peer(twice, peer.target, settings, peer.log),
                    Catch::Contains("lists the entry [a.tar] twice"));
  test::FakePeerSource huge("listed");
  huge.listed(listed("big.tar", std::uint64_t{1} << 63U));
  CHECK_THROWS_WITH(cback::peer::transfer_peer(huge, peer.target, settings, peer.log),
                    Catch::Contains("[big.tar] with an impossible size"));
  test::FakePeerSource enormous("listed");
  enormous.listed(listed("big.tar", std::uint64_t{1} << 62U));
  CHECK_THROWS_WITH(cback::peer::transfer_peer(enormous, peer.target, settings, peer.log),
                    Catch::Contains("bytes free in"));
  CHECK(fs::is_empty(peer.target));
}

TEST_CASE("A listed size that differs from the manifest fails the peer before it is sent",
          "[peer][transfer]") {
  Peer peer;
  peer.add("a.tar", "content");
  peer.add_manifest({"a.tar"});
  peer.add("a.tar", "content that grew");
  CHECK_THROWS_WITH(peer.transfer(), Catch::Contains("[a.tar] is listed with 17 bytes, but the "
                                                     "manifest says 7"));
  CHECK_FALSE(fs::exists(peer.target / "a.tar.partial"));
}

TEST_CASE("A partial file hard-linked to a file elsewhere is replaced, not resumed into",
          "[peer][transfer]") {
  Peer peer;
  const auto content = random_bytes(100'000, 7);
  peer.add("big.tar", content);
  peer.transfer();
  // A resumable-looking partial that is a second name of another file.
  fs::rename(peer.target / "big.tar", peer.dir / "elsewhere");
  fs::resize_file(peer.dir / "elsewhere", 30'000);
  const auto before = read_file(peer.dir / "elsewhere");
  fs::create_hard_link(peer.dir / "elsewhere", peer.target / "big.tar.partial");
  const auto result = peer.transfer();
  CHECK(result.files_resumed == 0);
  CHECK(read_file(peer.target / "big.tar") == content);
  CHECK(read_file(peer.dir / "elsewhere") == before);
}

TEST_CASE("A FIFO, a symlink or an oversized file as a local manifest fails without blocking",
          "[peer][transfer]") {
  Peer peer;
  peer.add("a.tar", "a");
  const auto manifest = peer.collect / "cback.manifest";
  REQUIRE(::mkfifo(manifest.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(peer.transfer(), Catch::Contains("local peer [alpha]") &&
                                         Catch::Contains("it is not a regular file"));
  fs::remove(manifest);
  fs::create_symlink("/dev/zero", manifest);
  CHECK_THROWS_WITH(peer.transfer(), Catch::Contains("it is a symbolic link"));
  fs::remove(manifest);
  { std::ofstream big(manifest); }
  fs::resize_file(manifest, cback::peer::k_small_file_limit + 1);
  CHECK_THROWS_WITH(peer.transfer(), Catch::Contains("it is larger than cback accepts"));
}

} // namespace cback::peer
