#include <cback/extend/subversion.hpp>

#include "support/parts.hpp"
#include "support/python.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

using test::python;
using test::python_available;

} // namespace

TEST_CASE("The .svnlast file is named after the normalized repository path", "[extend][svn]") {
  CHECK(svn_state_path("/work", "/srv/svn/main") == fs::path("/work/srv-svn-main.svnlast"));
}

TEST_CASE("The last revision is written as the original's protocol 0 pickle", "[extend][svn]") {
  test::TempDir tmp;
  const auto state = tmp / "repo.svnlast";
  write_last_revision(state, 782);
  CHECK(test::read_file(state) == "I782\n.");
  CHECK(read_last_revision(state) == 782);
  CBACK_REQUIRE_PART(python_available());
  CHECK(python("import pickle,sys; sys.exit(0 if pickle.load(open(\"" + state.string() +
               "\",\"rb\")) == 782 else 1)") == 0);
}

TEST_CASE("A revision pickled by Python is read back", "[extend][svn]") {
  test::TempDir tmp;
  const auto state = tmp / "repo.svnlast";
  CBACK_REQUIRE_PART(python_available());
  REQUIRE(python("import pickle; pickle.dump(12345, open(\"" + state.string() +
                 "\",\"wb\"), 0, fix_imports=True)") == 0);
  CHECK(read_last_revision(state) == 12345);
}

TEST_CASE("A missing or unreadable revision file means no revision yet", "[extend][svn]") {
  test::TempDir tmp;
  CHECK(read_last_revision(tmp / "none.svnlast") == -1);
  CHECK(read_last_revision(tmp.write("bad.svnlast", "garbage")) == -1);
  CHECK(read_last_revision(tmp.write("long.svnlast", "L99L\n.")) == 99);
}

TEST_CASE("Repositories take their modes from the section when they have none", "[extend][svn]") {
  config::SubversionConfig config;
  config.collect_mode = config::CollectMode::incr;
  config.compress_mode = config::CompressMode::gzip;
  config::SubversionRepository own;
  own.abs_path = "/srv/a";
  own.collect_mode = config::CollectMode::weekly;
  config::SubversionRepository plain;
  plain.abs_path = "/srv/b";
  config.repositories = {own, plain};

  const auto repositories = svn_repositories(config);
  REQUIRE(repositories.size() == 2);
  CHECK(repositories[0].collect_mode == config::CollectMode::weekly);
  CHECK(repositories[0].compress_mode == config::CompressMode::gzip);
  CHECK(repositories[1].collect_mode == config::CollectMode::incr);
}

} // namespace cback::extend
