// The subversion extension through the real binary, on repositories the
// test makes with svnadmin and svn (file:// URLs): a full then incremental
// dumps, loaded back into an empty repository.

#include "support/parts.hpp"
#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

// A Wednesday; the week starts on Monday, so runs are not full by date.
constexpr const char* k_today = "CBACK_TODAY=2026-11-25";

bool tools_available() {
  return program_available("svnadmin") && program_available("svnlook") &&
         program_available("svn") && program_available("bzip2");
}

RunResult must(const std::vector<std::string>& argv) {
  auto result = run(argv);
  INFO(argv.front() << ": " << result.out << result.err);
  REQUIRE(result.exit_code == 0);
  return result;
}

enum class Full { yes, no };

struct Svn : Pool {
  int files = 0;

  fs::path create(const std::string& name) const {
    const auto path = dir / name;
    fs::create_directories(path.parent_path());
    must({"/usr/bin/svnadmin", "create", path.string()});
    return path;
  }
  /// One new revision adding a file with `text`.
  void commit(const fs::path& repository, const std::string& text) {
    const auto source = dir.write(fmt::format("import/{}/file{}.txt", files, files), text);
    must({"/usr/bin/svn", "import", "-q", "-m", text, source.parent_path().string(),
          fmt::format("file://{}/d{}", repository.string(), files)});
    ++files;
  }
  static std::string youngest(const fs::path& repository) {
    auto out = must({"/usr/bin/svnlook", "youngest", repository.string()}).out;
    return out.substr(0, out.find('\n'));
  }
  /// Loads the (bzip2) dumps, in order, into a new repository.
  fs::path load(const std::string& name, const std::vector<fs::path>& dumps) const {
    const auto target = create(name);
    for (const auto& dump : dumps) {
      const auto plain = dir / (dump.stem().string() + ".load");
      must({"/bin/sh", "-c", fmt::format("bzip2 -dc '{}' > '{}'", dump.string(), plain.string())});
      must({"/bin/sh", "-c",
            fmt::format("svnadmin load -q '{}' < '{}'", target.string(), plain.string())});
    }
    return target;
  }

  RunResult run_subversion(const std::string& items, Full full = Full::no) {
    configure(extensions_table("subversion", 99) + options_table(make_dir("work")) +
              daily_collect_table(make_dir("collect")) +
              fmt::format("[subversion]\ncollect_mode = \"incr\"\ncompress_mode = \"bzip2\"\n{}\n",
                          items));
    Args arguments;
    if (full == Full::yes) {
      arguments.emplace_back("--full");
    }
    arguments.emplace_back("subversion");
    RunOptions options;
    options.env = {k_today};
    return cback(arguments, options);
  }
  fs::path dump(const fs::path& repository, int from, int to) const {
    const auto name = repository.string().substr(1);
    std::string normalized;
    for (char c : name) {
      normalized += c == '/' ? '-' : c;
    }
    return dir / "collect" / fmt::format("svndump-{}:{}-{}.txt.bz2", from, to, normalized);
  }
  fs::path state(const fs::path& repository) const {
    auto name = dump(repository, 0, 0).filename().string();
    name = name.substr(std::string("svndump-0:0-").size());
    return dir / "work" /
           (name.substr(0, name.size() - std::string(".txt.bz2").size()) + ".svnlast");
  }
};

std::string repository_item(const fs::path& path) {
  return fmt::format("[[subversion.repository]]\nabs_path = '{}'\n", path.string());
}

} // namespace

TEST_CASE("Subversion dumps in full then incrementally, and the dumps load back to the youngest "
          "revision",
          "[extension][subversion]") {
  CBACK_REQUIRE_PART(tools_available());
  Svn svn;
  const auto main = svn.create("repos/main");
  svn.commit(main, "first");
  svn.commit(main, "second");
  const auto items = repository_item(main);

  const auto first = svn.run_subversion(items);
  INFO(first.out << first.err << read_file(svn.dir / "cback.log"));
  REQUIRE(first.exit_code == 0);
  CHECK(fs::exists(svn.dump(main, 0, 2)));
  CHECK(read_file(svn.state(main)) == "I2\n.");

  svn.commit(main, "third");
  svn.commit(main, "fourth");
  REQUIRE(svn.run_subversion(items).exit_code == 0);
  CHECK(fs::exists(svn.dump(main, 3, 4)));
  CHECK(read_file(svn.state(main)) == "I4\n.");

  const auto restored = svn.load("restored", {svn.dump(main, 0, 2), svn.dump(main, 3, 4)});
  CHECK(Svn::youngest(restored) == "4");
  CHECK(must({"/usr/bin/svnlook", "cat", restored.string(), "d3/file3.txt"}).out == "fourth");

  SECTION("a run with nothing new writes no dump") {
    REQUIRE(svn.run_subversion(items).exit_code == 0);
    CHECK_FALSE(fs::exists(svn.dump(main, 5, 4)));
    CHECK_THAT(read_file(svn.dir / "cback.log"), Catch::Contains("no new revisions"));
  }
  SECTION("a full run dumps everything again") {
    REQUIRE(svn.run_subversion(items, Full::yes).exit_code == 0);
    CHECK(fs::exists(svn.dump(main, 0, 4)));
    CHECK(read_file(svn.state(main)) == "I4\n.");
  }
}

TEST_CASE("Every repository of a repository_dir is dumped except the excluded ones",
          "[extension][subversion]") {
  CBACK_REQUIRE_PART(tools_available());
  Svn svn;
  const auto one = svn.create("projects/one");
  const auto two = svn.create("projects/two");
  const auto attic = svn.create("projects/attic");
  svn.commit(one, "one");
  svn.commit(two, "two");
  svn.commit(two, "two again");

  const auto result = svn.run_subversion(
      fmt::format("[[subversion.repository_dir]]\nabs_path = '{}'\ncollect_mode = \"daily\"\n"
                  "exclude = {{ rel_path = [\"attic\"] }}\n",
                  (svn.dir / "projects").string()));

  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(fs::exists(svn.dump(one, 0, 1)));
  CHECK(fs::exists(svn.dump(two, 0, 2)));
  CHECK_FALSE(fs::exists(svn.dump(attic, 0, 0)));
  CHECK_FALSE(fs::exists(svn.state(one))); // daily repositories keep no state
}

TEST_CASE("A missing repository is an error naming it; the other repositories and their state "
          "are kept",
          "[extension][subversion]") {
  CBACK_REQUIRE_PART(tools_available());
  Svn svn;
  const auto main = svn.create("repos/main");
  svn.commit(main, "first");
  const auto missing = svn.dir / "repos/missing";
  fs::create_directories(svn.dir / "work");
  svn.dir.write("work/" + svn.state(missing).filename().string(), "I7\n.");

  const auto result = svn.run_subversion(repository_item(missing) + repository_item(main));

  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains(missing.string()));
  CHECK(read_file(svn.state(missing)) == "I7\n.");
  CHECK(fs::exists(svn.dump(main, 0, 1)));
  for (const auto& entry : fs::directory_iterator(svn.dir / "collect")) {
    CHECK(entry.path().extension() != ".partial");
  }
}

} // namespace cback::test
