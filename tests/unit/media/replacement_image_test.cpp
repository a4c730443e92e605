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

} // namespace cback::media
