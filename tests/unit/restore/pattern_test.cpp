#include <cback/core/error.hpp>
#include <cback/restore/pattern.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace cback::restore {
namespace {

bool match(const char* pattern, const std::string& path) {
  return PathPattern(pattern).matches(path);
}

TEST_CASE("A pattern without wildcards matches only its own path", "[restore][pattern]") {
  CHECK(match("/etc/hosts", "/etc/hosts"));
  CHECK_FALSE(match("/etc/hosts", "/etc/hosts.allow"));
  CHECK_FALSE(match("/etc/hosts", "/etc"));
  CHECK_FALSE(match("/etc", "/etc/hosts"));
}

TEST_CASE("A star stays within one path component", "[restore][pattern]") {
  CHECK(match("/etc/*.conf", "/etc/a.conf"));
  CHECK(match("/etc/*.conf", "/etc/.conf"));
  CHECK_FALSE(match("/etc/*.conf", "/etc/sub/a.conf"));
  CHECK(match("/home/*/notes", "/home/anna/notes"));
  CHECK_FALSE(match("/home/*/notes", "/home/notes"));
}

TEST_CASE("A double star crosses directories", "[restore][pattern]") {
  CHECK(match("/home/**", "/home/anna/a/b/c"));
  CHECK(match("/home/**", "/home/x"));
  CHECK_FALSE(match("/home/**", "/home"));
  CHECK(match("/home/**/notes.txt", "/home/notes.txt"));
  CHECK(match("/home/**/notes.txt", "/home/anna/work/notes.txt"));
  CHECK_FALSE(match("/home/**/notes.txt", "/home/anna/xnotes.txt"));
  CHECK(match("/srv/**.sql.gz", "/srv/db/dump/main.sql.gz"));
}

TEST_CASE("A pattern's fixed start and end are not enough for a match", "[restore][pattern]") {
  // The start and end bytes overlap in the path: the star has no room.
  CHECK_FALSE(match("/ab*ba", "/aba"));
  CHECK(match("/ab*ba", "/abba"));
  CHECK(match("/ab*ba", "/ab-x-ba"));
  CHECK_FALSE(match("/ab*ba", "/ab/ba"));
  CHECK_FALSE(match("/home/**/x.txt", "/home/x.txt/y"));
  CHECK_FALSE(match("/home/**/x.txt", "/homex.txt"));
  CHECK(match("**/x.txt", "/x.txt"));
  CHECK_FALSE(match("**/x.txt", "x.txt/"));
}

TEST_CASE("A pattern that does not start with a slash is looked for at any depth",
          "[restore][pattern]") {
  CHECK(match("hosts", "/etc/hosts"));
  CHECK(match("hosts", "/hosts"));
  CHECK_FALSE(match("hosts", "/etc/ghosts"));
  CHECK(match("anna/*.txt", "/home/anna/a.txt"));
}

TEST_CASE("Question marks, sets and escapes match one byte", "[restore][pattern]") {
  CHECK(match("/a/file?", "/a/file1"));
  CHECK_FALSE(match("/a/file?", "/a/file"));
  CHECK_FALSE(match("/a?b", "/a/b"));
  CHECK(match("/a/[abc]x", "/a/bx"));
  CHECK_FALSE(match("/a/[abc]x", "/a/dx"));
  CHECK(match("/a/[a-c]x", "/a/cx"));
  CHECK(match("/a/[!a-c]x", "/a/dx"));
  CHECK_FALSE(match("/a/[!a-c]x", "/a/bx"));
  CHECK(match("/a/[]]", "/a/]"));
  CHECK(match("/a/\\*", "/a/*"));
  CHECK_FALSE(match("/a/\\*", "/a/b"));
}

TEST_CASE("Names are matched as bytes: spaces, newlines and invalid UTF-8", "[restore][pattern]") {
  CHECK(match("/d/*", "/d/with space"));
  CHECK(match("/d/a*b", "/d/a\nb"));
  CHECK(match("/d/\xff*", "/d/\xff\xfe"));
}

TEST_CASE("Many stars do not make matching slow", "[restore][pattern]") {
  const std::string path = "/" + std::string(200, 'a');
  CHECK_FALSE(match("/*a*a*a*a*a*a*a*a*a*a*a*a*b", path));
  CHECK_FALSE(match("/**a**a**a**a**a**a**a**b", path));
}

TEST_CASE("A malformed pattern is a usage error naming it", "[restore][pattern]") {
  CHECK_THROWS_AS(PathPattern("/a/[bc"), Error);
  CHECK_THROWS_WITH(PathPattern("/a/\\"), Catch::Contains("/a/\\\\"));
  try {
    PathPattern("/x[");
    FAIL("no error");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::usage);
  }
}

} // namespace
} // namespace cback::restore
