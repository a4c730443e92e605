#include <cback/core/error.hpp>
#include <cback/s3/checksums.hpp>
#include <cback/s3/sync.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

namespace cback::s3 {
namespace {

std::string etag_of_text(const std::string& text) {
  return single_etag(md5(std::as_bytes(std::span(text))));
}

} // namespace

TEST_CASE("A sync uploads new and changed files and deletes objects whose file is gone",
          "[s3][sync]") {
  test::TempDir dir;
  dir.write("src/same.txt", "same\n");
  dir.write("src/changed.txt", "new!\n");
  dir.write("src/new dir/new.txt", "new\n");
  SyncRequest request;
  request.source = dir.path() / "src";
  request.target = parse_location("s3://bucket/mirror");
  const auto files = local_files(request.source, false);
  REQUIRE(files == std::vector<std::string>{"changed.txt", "new dir/new.txt", "same.txt"});
  const std::vector<ObjectEntry> objects{
      {"mirror/same.txt", 5, etag_of_text("same\n")},
      {"mirror/changed.txt", 5, etag_of_text("old!\n")}, // same size, other bytes
      {"mirror/gone.txt", 3, etag_of_text("abc")},
  };
  const auto plan = plan_sync(request, files, objects);
  CHECK(plan.upload == std::vector<std::string>{"changed.txt", "new dir/new.txt"});
  CHECK(plan.remove == std::vector<std::string>{"mirror/gone.txt"});
  CHECK(plan.unchanged == 1);

  request.upload_only = true;
  CHECK(plan_sync(request, files, objects).remove.empty());
}

TEST_CASE("A file name that is not UTF-8 is refused unless warnings are ignored", "[s3][sync]") {
  test::TempDir dir;
  dir.write(std::string("src/caf\xe9.txt"), "latin-1 name\n");
  CHECK_THROWS_WITH(local_files(dir.path() / "src", false),
                    Catch::Contains("Inconsistent encoding for"));
  CHECK(local_files(dir.path() / "src", true).size() == 1);
}

} // namespace cback::s3
