// media::ReplacementImage: a new image written beside the old one, in a
// directory that others may write, and renamed over it only on commit.

#include "support/temp_dir.hpp"

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/media/replacement_image.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <filesystem>
#include <string_view>
#include <unistd.h>

namespace fs = std::filesystem;

namespace cback::media {
using test::read_file;
using test::TempDir;

namespace {

/// Writes `text` into the new image through its libburn address.
void write_through(const ReplacementImage& image, std::string_view text) {
  const std::string address = image.address();
  REQUIRE(address.starts_with("stdio:/dev/fd/"));
  const cback::core::UniqueFd fd(::open(address.substr(6).c_str(), O_WRONLY | O_CLOEXEC));
  REQUIRE(fd);
  REQUIRE(::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()));
}

/// Replaces `image` with one holding `text`, committed.
void replace_with(const fs::path& image, core::Logger& log, std::string_view text) {
  ReplacementImage replacement(image, log);
  write_through(replacement, text);
  replacement.commit();
}

/// An image file holding "old image", to be replaced.
struct OldImage {
  TempDir dir;
  fs::path image = dir.write("disc.iso", "old image");
  core::Logger log;
};

} // namespace

TEST_CASE("Only stdio: image files that are regular or missing are replaced by rename",
          "[media][replacement]") {
  TempDir dir;
  dir.write("disc.iso", "old");
  fs::create_directories(dir / "a-directory");
  CHECK(replaceable_image_file("stdio:" + (dir / "disc.iso").string()) == dir / "disc.iso");
  CHECK(replaceable_image_file("stdio:" + (dir / "new.iso").string()) == dir / "new.iso");
  CHECK_FALSE(replaceable_image_file("stdio:" + (dir / "a-directory").string()));
  CHECK_FALSE(replaceable_image_file("stdio:/dev/null"));
  CHECK_FALSE(replaceable_image_file("stdio:/dev/fd/3"));
  CHECK_FALSE(replaceable_image_file("stdio:-"));
  CHECK_FALSE(replaceable_image_file("/dev/sr0"));
}

TEST_CASE("A committed new image replaces the old one and keeps its mode", "[media][replacement]") {
  TempDir dir;
  const fs::path image = dir.write("disc.iso", "old image");
  fs::permissions(image, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  cback::core::Logger log;
  {
    ReplacementImage replacement(image, log);
    CHECK(fs::is_regular_file(dir / "disc.iso.partial"));
    CHECK(replacement.name() == "stdio:" + (dir / "disc.iso.partial").string());
    write_through(replacement, "new image");
    CHECK(read_file(image) == "old image");
    replacement.commit();
  }
  CHECK(read_file(image) == "new image");
  CHECK((fs::status(image).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
  CHECK_FALSE(fs::exists(dir / "disc.iso.partial"));
}

TEST_CASE("A new image that is not committed is removed and the old one stays",
          "[media][replacement]") {
  OldImage old;
  auto& [dir, image, log] = old;
  {
    ReplacementImage replacement(image, log);
    write_through(replacement, "half an image");
  }
  CHECK(read_file(image) == "old image");
  CHECK_FALSE(fs::exists(dir / "disc.iso.partial"));
}

TEST_CASE("A new image for a missing image file is created owner-only", "[media][replacement]") {
  TempDir dir;
  cback::core::Logger log;
  replace_with(dir / "disc.iso", log, "first image");
  CHECK(read_file(dir / "disc.iso") == "first image");
  CHECK((fs::status(dir / "disc.iso").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
}

TEST_CASE("A leftover .partial symlink is removed, never followed", "[media][replacement]") {
  TempDir dir;
  const fs::path image = dir.write("disc.iso", "old image");
  const fs::path victim = dir.write("victim", "not yours");
  fs::create_symlink(victim, dir / "disc.iso.partial");
  cback::core::Logger log;
  {
    ReplacementImage replacement(image, log);
    CHECK_FALSE(fs::is_symlink(dir / "disc.iso.partial"));
    write_through(replacement, "new image");
    replacement.commit();
  }
  CHECK(fs::is_regular_file(fs::symlink_status(image)));
  CHECK(read_file(victim) == "not yours");
  CHECK(read_file(image) == "new image");
}

TEST_CASE("A new image whose .partial name was replaced meanwhile is not committed",
          "[media][replacement]") {
  OldImage old;
  auto& [dir, image, log] = old;
  {
    ReplacementImage replacement(image, log);
    write_through(replacement, "new image");
    fs::remove(dir / "disc.iso.partial");
    dir.write("disc.iso.partial", "planted");
    CHECK_THROWS_WITH(replacement.commit(), Catch::Contains("was replaced while"));
  }
  CHECK(read_file(image) == "old image");
  // Not ours: left alone.
  CHECK(read_file(dir / "disc.iso.partial") == "planted");
}

TEST_CASE("A replaced image is kept under its week's name, numbered rather than over a file",
          "[media][replacement]") {
  using namespace std::chrono_literals;
  CHECK(kept_image_name("/srv/disc.iso", 2026y / 11 / 23) == "disc-2026-11-23.iso");
  CHECK(kept_image_name("/srv/disc", 2027y / 1 / 4) == "disc-2027-01-04");
  CHECK(kept_image_name("/srv/cback.v2.iso", 2027y / 1 / 4) == "cback.v2-2027-01-04.iso");

  OldImage old;
  auto& [dir, image, log] = old;
  const std::string kept = kept_image_name(image, 2026y / 11 / 23);
  // By named references: clang 14 cannot capture a structured binding.
  auto replace_keeping = [&, &image = image, &log = log](std::string_view text) {
    ReplacementImage replacement(image, log);
    replacement.keep_previous(kept);
    write_through(replacement, text);
    replacement.commit();
    return replacement.kept();
  };
  CHECK(replace_keeping("second image") == dir / "disc-2026-11-23.iso");
  CHECK(read_file(image) == "second image");
  CHECK(read_file(dir / "disc-2026-11-23.iso") == "old image");

  // The name is taken: the next number; a link planted at a name is
  // neither followed nor replaced.
  const fs::path victim = dir.write("victim", "not yours");
  fs::create_symlink(victim, dir / "disc-2026-11-23-2.iso");
  CHECK(replace_keeping("third image") == dir / "disc-2026-11-23-3.iso");
  CHECK(read_file(image) == "third image");
  CHECK(read_file(dir / "disc-2026-11-23.iso") == "old image");
  CHECK(read_file(dir / "disc-2026-11-23-3.iso") == "second image");
  CHECK(fs::is_symlink(dir / "disc-2026-11-23-2.iso"));
  CHECK(read_file(victim) == "not yours");
}

TEST_CASE("Nothing is kept of a missing or empty image", "[media][replacement]") {
  TempDir dir;
  cback::core::Logger log;
  for (const bool empty_file : {false, true}) {
    if (empty_file) {
      dir.write("disc.iso", "");
    }
    ReplacementImage replacement(dir / "disc.iso", log);
    replacement.keep_previous("disc-2026-11-23.iso");
    write_through(replacement, "new image");
    replacement.commit();
    CHECK_FALSE(replacement.kept());
    CHECK(read_file(dir / "disc.iso") == "new image");
    CHECK_FALSE(fs::exists(dir / "disc-2026-11-23.iso"));
  }
}

} // namespace cback::media
