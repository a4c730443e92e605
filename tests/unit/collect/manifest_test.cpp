#include <cback/collect/manifest.hpp>
#include <cback/core/error.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

namespace cback::collect {
namespace {

Manifest sample() {
  Manifest manifest;
  manifest.date = "2026-11-30";
  manifest.archives.push_back({"etc.tar.gz", 1234, core::sha256("etc")});
  manifest.archives.push_back({"home-anna_smith.tar.zst", 0, core::sha256("")});
  manifest.indexes.push_back({"etc.tar.gz.index", 77, core::sha256("etc index"),
                              ManifestIndexHead{20, core::sha256("etc index head")}});
  manifest.failed_items.push_back({"/srv/gone", "Path [/srv/gone] does not exist."});
  manifest.problems.push_back({"/home/a\tb\nc\\d", "Permission denied"});
  manifest.deleted.push_back({"/home", "/home/anna/old\tnotes"});
  manifest.deleted.push_back({"/home", "/home/bob"});
  return manifest;
}

TEST_CASE("A manifest reads back as it was written", "[collect][manifest]") {
  const auto manifest = sample();
  const auto decoded = decode_manifest(encode_manifest(manifest));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == manifest);
}

TEST_CASE("The manifest format is one line per record with escaped paths", "[collect][manifest]") {
  const auto text = encode_manifest(sample());
  CHECK(text == "cback-manifest 4 2026-11-30\n"
                "archive 1234 " +
                    core::to_hex(core::sha256("etc")) +
                    " etc.tar.gz\n"
                    "archive 0 " +
                    core::to_hex(core::sha256("")) +
                    " home-anna_smith.tar.zst\n"
                    "index 77 " +
                    core::to_hex(core::sha256("etc index")) +
                    " etc.tar.gz.index\n"
                    "head 20 " +
                    core::to_hex(core::sha256("etc index head")) +
                    " etc.tar.gz.index\n"
                    "failed /srv/gone\tPath [/srv/gone] does not exist.\n"
                    "problem /home/a\\x09b\\x0ac\\\\d\tPermission denied\n"
                    "deleted /home\t/home/anna/old\\x09notes\n"
                    "deleted /home\t/home/bob\n"
                    "end 8\n");
}

TEST_CASE("A version 1 manifest still reads, without deleted records", "[collect][manifest]") {
  const auto decoded = decode_manifest("cback-manifest 1 2026-11-30\n"
                                       "failed /srv/gone\tgone\n"
                                       "end 1\n");
  REQUIRE(decoded.has_value());
  CHECK(decoded->date == "2026-11-30");
  CHECK(decoded->failed_items == std::vector<Problem>{{"/srv/gone", "gone"}});
  CHECK(decoded->deleted.empty());
  CHECK(decode_manifest("cback-manifest 1 x\ndeleted /home\t/home/bob\nend 1\n").error() ==
        "line 2: not a valid record");
  CHECK_FALSE(decode_manifest("cback-manifest 5 x\nend 0\n").has_value());
}

TEST_CASE("A version 2 manifest still reads, without index records", "[collect][manifest]") {
  const auto archive = "archive 3 " + core::to_hex(core::sha256("abc")) + " etc.tar\n";
  const auto decoded = decode_manifest("cback-manifest 2 2026-11-30\n" + archive + "end 1\n");
  REQUIRE(decoded.has_value());
  CHECK(decoded->archives.size() == 1);
  CHECK(decoded->indexes.empty());
  CHECK(decode_manifest("cback-manifest 2 x\nindex 3 " + core::to_hex(core::sha256("abc")) +
                        " etc.tar.index\nend 1\n")
            .error() == "line 2: not a valid record");
}

TEST_CASE("A version 3 manifest still reads, its indexes without heads", "[collect][manifest]") {
  const auto index = "index 3 " + core::to_hex(core::sha256("abc")) + " etc.tar.index\n";
  const auto head = "head 2 " + core::to_hex(core::sha256("ab")) + " etc.tar.index\n";
  const auto decoded = decode_manifest("cback-manifest 3 2026-11-30\n" + index + "end 1\n");
  REQUIRE(decoded.has_value());
  REQUIRE(decoded->indexes.size() == 1);
  CHECK_FALSE(decoded->indexes[0].head);
  CHECK(decode_manifest("cback-manifest 3 x\n" + index + head + "end 2\n").error() ==
        "line 3: not a valid record");
}

TEST_CASE("A head record names an index listed before it, once, and fits it",
          "[collect][manifest][hostile]") {
  const auto digest = core::to_hex(core::sha256("ab"));
  const auto index = "index 3 " + digest + " etc.tar.index\n";
  const auto manifest = [&](const std::string& records, int count) {
    return decode_manifest("cback-manifest 4 x\n" + records + "end " + std::to_string(count) +
                           "\n");
  };
  const auto good = manifest(index + "head 2 " + digest + " etc.tar.index\n", 2);
  REQUIRE(good.has_value());
  CHECK(good->indexes[0].head == ManifestIndexHead{2, core::sha256("ab")});
  CHECK(manifest(index + "head 3 " + digest + " etc.tar.index\n", 2).has_value());
  for (const auto& records :
       {"head 2 " + digest + " etc.tar.index\n" + index,                  // before its index
        index + "head 2 " + digest + " other.tar.index\n",                // no such index
        index + "head 2 " + digest + " etc.tar.index\nhead 2 " + digest + // twice
            " etc.tar.index\n",
        index + "head 4 " + digest + " etc.tar.index\n",     // longer than the index
        index + "head 2 abc etc.tar.index\n",                // not a digest
        index + "head -1 " + digest + " etc.tar.index\n"}) { // not a size
    INFO(records);
    const auto lines = static_cast<int>(std::count(records.begin(), records.end(), '\n'));
    const auto refused = manifest(records, lines);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().ends_with("not a valid record"));
  }
}

TEST_CASE("A damaged manifest is refused with the line at fault", "[collect][manifest]") {
  const auto good = encode_manifest(sample());
  SECTION("wrong magic") {
    CHECK(decode_manifest("cback-state 1\nend 0\n").error() ==
          "line 1: not a cback manifest (version 1 to 4)");
  }
  SECTION("cut short") {
    CHECK(decode_manifest(good.substr(0, good.size() - 6)).error() ==
          "the manifest is incomplete (no end line)");
  }
  SECTION("bad digest") {
    CHECK(decode_manifest("cback-manifest 1 x\narchive 1 abc etc.tar\nend 1\n").error() ==
          "line 2: not a valid record");
  }
  SECTION("wrong count") {
    CHECK(decode_manifest("cback-manifest 1 x\nend 2\n").error() ==
          "line 2: the count does not match the 0 records");
  }
  SECTION("unknown record") {
    CHECK_FALSE(decode_manifest("cback-manifest 1 x\nextra thing\nend 1\n").has_value());
  }
}

TEST_CASE("A manifest file is written atomically and loads back", "[collect][manifest]") {
  test::TempDir tmp;
  const auto path = tmp / "cback.manifest";
  write_manifest(path, sample());
  CHECK_FALSE(std::filesystem::exists(tmp / "cback.manifest.partial"));
  const auto loaded = load_manifest(path);
  REQUIRE(loaded.has_value());
  CHECK(*loaded == sample());
  CHECK_FALSE(load_manifest(tmp / "missing").has_value());
}

} // namespace
} // namespace cback::collect
