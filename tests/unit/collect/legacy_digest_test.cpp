#include <cback/collect/legacy_digest.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

namespace cback::collect {
namespace {

// The pickles below were made with Python 3's pickle.dumps(d, protocol=0),
// as Cedar Backup writes its .sha files (docs/compatibility.md, "Legacy state files").

TEST_CASE("A one-entry digest pickle is read", "[collect][legacy]") {
  const std::string pickle = "(dp0\nV/srv/cbt/src/a.txt\np1\n"
                             "V3f786850e387550fdab836ed7e6dc881de23001b\np2\ns.";
  const auto map = parse_legacy_digest(pickle);
  REQUIRE(map);
  CHECK(*map ==
        LegacyDigestMap{{"/srv/cbt/src/a.txt", "3f786850e387550fdab836ed7e6dc881de23001b"}});
}

TEST_CASE("Latin-1 bytes, escapes and surrogate escapes become the file's bytes",
          "[collect][legacy]") {
  // {fsdecode(b'/srv/caf\xc3\xa9 x'): 'a'*40, fsdecode(b'/srv/bad\xffname'): 'b'*40,
  //  '/srv/new\nline\\back': 'c'*40, '/srv/日本': 'd'*40}
  const std::string pickle =
      "(dp0\nV/srv/caf\xe9 x\np1\nVaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\np2\n"
      "sV/srv/bad\\udcffname\np3\nVbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\np4\n"
      "sV/srv/new\\u000aline\\u005cback\np5\nVcccccccccccccccccccccccccccccccccccccccc\np6\n"
      "sV/srv/\\u65e5\\u672c\np7\nVdddddddddddddddddddddddddddddddddddddddd\np8\ns.";
  const auto map = parse_legacy_digest(pickle);
  REQUIRE(map);
  CHECK(*map == LegacyDigestMap{
                    {"/srv/caf\xc3\xa9 x", std::string(40, 'a')},
                    {"/srv/bad\xffname", std::string(40, 'b')},
                    {"/srv/new\nline\\back", std::string(40, 'c')},
                    {"/srv/\xe6\x97\xa5\xe6\x9c\xac", std::string(40, 'd')},
                });
}

TEST_CASE("Empty digests, memo references and Python 2 strings are read", "[collect][legacy]") {
  CHECK(parse_legacy_digest("(dp0\n.").value().empty());
  // {'/a': v, '/b': v} with one shared value object: the second is a GET.
  const auto shared = parse_legacy_digest(
      "(dp0\nV/a\np1\nVeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\np2\nsV/b\np3\ng2\ns.");
  REQUIRE(shared);
  CHECK(shared->at("/b") == std::string(40, 'e'));
  const auto python2 = parse_legacy_digest("(dp0\nS'/it\\'s\\x41'\np1\nS'ff'\np2\ns.");
  REQUIRE(python2);
  CHECK(*python2 == LegacyDigestMap{{"/it'sA", "ff"}});
}

TEST_CASE("Anything but a digest pickle is refused without crashing", "[collect][legacy]") {
  for (const std::string& bad : {
           std::string(""), std::string("(dp0\nV/a\np1\nVb\np2\ns"), // no STOP
           std::string("\x80\x04}\x94."),                            // protocol 4
           std::string("cos\nsystem\n(S'true'\ntR."),                // a global: never run
           std::string("(dp0\nV/a\nV/b\n."),                         // two values, no SETITEM
           std::string("(lp0\n."),                                   // a list
           std::string("(dp0\nV\\u12\np1\n."),                       // short escape
           std::string("(dp0\nV/a\np1\ng9\ns."),                     // unknown memo
       }) {
    INFO("pickle: " << bad);
    CHECK_FALSE(parse_legacy_digest(bad).has_value());
  }
}

TEST_CASE("A digest file is read from disk", "[collect][legacy]") {
  test::TempDir tmp;
  const auto path = tmp.write("etc.sha", "(dp0\nV/etc/x\np1\nVab\np2\ns.");
  CHECK(load_legacy_digest(path.string()).value().at("/etc/x") == "ab");
  CHECK_THAT(load_legacy_digest((tmp / "none.sha").string()).error(), Catch::Contains("none.sha"));
}

TEST_CASE("A file's SHA-1 is computed as the original records it", "[collect][legacy]") {
  test::TempDir tmp;
  const auto path = tmp.write("a", "a");
  CHECK(legacy_file_digest(path.string()).value() == "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8");
  CHECK(legacy_file_digest(tmp.write("empty", "").string()).value() ==
        "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK_THAT(legacy_file_digest((tmp / "none").string()).error(), Catch::Contains("none"));
}

} // namespace
} // namespace cback::collect
