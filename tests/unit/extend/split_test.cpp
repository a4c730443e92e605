#include <cback/core/error.hpp>
#include <cback/extend/split.hpp>

#include "support/run_fixture.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

// Bytes that differ from position to position, so a misplaced piece shows.
std::string pattern(std::size_t size) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    text[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  }
  return text;
}

std::string concatenate(const fs::path& file, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    text += test::read_file(piece_path(file, i));
  }
  return text;
}

struct SplitFixture : test::ExtendFixture {
  fs::path day = tmp / "staging/2026/11/27";

  SplitFixture() {
    config.stage = config::Stage{};
    config.stage->staging_dir = (tmp / "staging").string();
    config.split = config::SplitConfig{};
    config.split->size_limit = {"1000", 1000.0};
    config.split->split_size = {"300", 300.0};
  }
  void run() {
    auto& ctx = context;
    run_split(ctx);
  }
};

} // namespace

TEST_CASE("Pieces of a split file are named as split names them and concatenate to the original",
          "[extend][split]") {
  test::TempDir tmp;
  core::StopFlag stop;
  const std::string content = pattern(1050);
  const auto file = tmp.write("big.tar.gz", content);

  const auto pieces = split_file(file, 300, stop);

  REQUIRE(pieces.size() == 4);
  CHECK(pieces[0].filename() == "big.tar.gz_00000");
  CHECK(pieces[3].filename() == "big.tar.gz_00003");
  CHECK(fs::file_size(pieces[3]) == 150);
  CHECK(concatenate(file, 4) == content);
  CHECK(test::read_file(file) == content);
  CHECK_FALSE(fs::exists(piece_path(file, 4)));
}

TEST_CASE("A file of an exact multiple of the piece size gets no empty last piece",
          "[extend][split]") {
  test::TempDir tmp;
  core::StopFlag stop;
  const auto file = tmp.write("f", pattern(900));

  CHECK(split_file(file, 300, stop).size() == 3);
  CHECK_FALSE(fs::exists(piece_path(file, 3)));
}

TEST_CASE("Split cuts staged files over the limit, leaves the others and writes cback.split",
          "[extend][split]") {
  SplitFixture f;
  const std::string big = pattern(2500);
  f.tmp.write("staging/2026/11/27/host/big.tar", big);
  f.tmp.write("staging/2026/11/27/host/limit.tar", pattern(1000));
  f.tmp.write("staging/2026/11/27/host/small.tar", pattern(10));
  f.tmp.write("staging/2026/11/27/cback.stage", "");
  f.tmp.write("staging/2026/11/27/host/cback.collect", pattern(2000));

  f.run();

  const auto original = f.day / "host/big.tar";
  CHECK_FALSE(fs::exists(original));
  CHECK(concatenate(original, 9) == big);
  CHECK(fs::file_size(f.day / "host/limit.tar") == 1000);
  CHECK_FALSE(fs::exists(f.day / "host/limit.tar_00000"));
  CHECK(fs::file_size(f.day / "host/small.tar") == 10);
  CHECK(fs::file_size(f.day / "host/cback.collect") == 2000);
  CHECK(fs::exists(f.day / "cback.split"));
  for (const auto& entry : fs::recursive_directory_iterator(f.tmp / "staging")) {
    CHECK(entry.path().extension() != ".partial");
  }
}

TEST_CASE("Split leaves a daily directory that already has cback.split alone", "[extend][split]") {
  SplitFixture f;
  f.tmp.write("staging/2026/11/26/cback.split", "");
  f.tmp.write("staging/2026/11/26/host/big.tar", pattern(5000));

  f.run();

  CHECK(fs::file_size(f.tmp / "staging/2026/11/26/host/big.tar") == 5000);
  CHECK_FALSE(fs::exists(f.tmp / "staging/2026/11/26/host/big.tar_00000"));
}

TEST_CASE("A split that cannot write a piece keeps the original, removes its pieces and fails",
          "[extend][split]") {
  SplitFixture f;
  const std::string big = pattern(2000);
  const auto original = f.tmp.write("staging/2026/11/27/host/big.tar", big);
  // A directory where the third piece's .partial must go: it cannot be opened.
  fs::create_directories(f.day / "host/big.tar_00002.partial/x");

  try {
    f.run();
    FAIL("split succeeded");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::action);
    CHECK_THAT(error.what(), Catch::Contains(original.string()));
  }

  CHECK(test::read_file(original) == big);
  CHECK_FALSE(fs::exists(piece_path(original, 0)));
  CHECK_FALSE(fs::exists(piece_path(original, 1)));
  CHECK_FALSE(fs::exists(f.day / "cback.split"));
}

TEST_CASE("Split without a staging directory is an error naming it", "[extend][split]") {
  SplitFixture f;
  CHECK_THROWS_WITH(f.run(), Catch::Contains((f.tmp / "staging").string()));
}

TEST_CASE("A link planted at a piece's .partial name is replaced and its target left untouched",
          "[extend][split][planted]") {
  test::TempDir tmp;
  core::StopFlag stop;
  const auto file = tmp.write("big.tar", pattern(700));
  const auto victim = tmp.write("elsewhere/victim", "precious");
  fs::create_symlink(victim, tmp / "big.tar_00001.partial");

  const auto pieces = split_file(file, 300, stop);

  CHECK(test::read_file(victim) == "precious");
  REQUIRE(pieces.size() == 3);
  CHECK(fs::symlink_status(pieces[1]).type() == fs::file_type::regular);
  CHECK(concatenate(file, 3) == pattern(700));
}

TEST_CASE("A staged file replaced by a symbolic link is not split", "[extend][split][planted]") {
  test::TempDir tmp;
  core::StopFlag stop;
  const auto victim = tmp.write("elsewhere/shadow", pattern(700));
  fs::create_directories(tmp / "host");
  fs::create_symlink(victim, tmp / "host/big.tar");

  CHECK_THROWS_WITH(split_file(tmp / "host/big.tar", 300, stop),
                    Catch::Contains((tmp / "host/big.tar").string()));
  CHECK_FALSE(fs::exists(piece_path(tmp / "host/big.tar", 0)));
}

} // namespace cback::extend
