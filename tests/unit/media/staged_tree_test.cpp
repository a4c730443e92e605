// StagedTree: the image libisofs makes from it holds every staged byte, and
// a file that shrinks or vanishes after the tree was built is named in
// read_errors() instead of passing as zeros.

#include "media/staged_tree.hpp"
#include "support/io_backends.hpp"
#include "support/temp_dir.hpp"

#include <cback/media/libraries.hpp>
#include <cback/media/library.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using cback::media::StagedTree;
using cback::test::TempDir;

namespace {

struct ImageDeleter {
  void operator()(IsoImage* image) const { iso_image_unref(image); }
};

// The whole image libisofs writes for `tree` (added below the root).
std::string image_bytes(IsoImage* image) {
  IsoWriteOpts* opts = nullptr;
  REQUIRE(iso_write_opts_new(&opts, 0) == 1);
  iso_write_opts_set_rockridge(opts, 1);
  iso_write_opts_set_sort_files(opts, 1);
  ::burn_source* made = nullptr; // libisofs's declaration of libburn's struct
  REQUIRE(iso_image_create_burn_source(image, opts, &made) == 1);
  auto* source = reinterpret_cast<burn::burn_source*>(made);
  iso_write_opts_free(opts);
  std::string bytes;
  unsigned char block[2048];
  while (source->read_xt(source, block, sizeof(block)) == static_cast<int>(sizeof(block))) {
    bytes.append(reinterpret_cast<const char*>(block), sizeof(block));
  }
  burn::burn_source_free(source);
  return bytes;
}

// An image holding the tree of `source`, added through a StagedTree.
struct StagedImage {
  std::unique_ptr<IsoImage, ImageDeleter> image;
  StagedTree tree{cback::test::default_backend()};

  enum class Order { fixed, not_fixed };

  explicit StagedImage(const fs::path& source, Order order = Order::fixed) {
    cback::media::ensure_library();
    IsoImage* raw = nullptr;
    REQUIRE(iso_image_new("TEST", &raw) == 1);
    image.reset(raw);
    tree.add(image.get(), iso_image_get_root(image.get()), source);
    if (order == Order::fixed) {
      tree.fix_order();
    }
  }
};

} // namespace

TEST_CASE("Every staged file's bytes are in the image and nothing is reported",
          "[media][read_ahead]") {
  TempDir dir;
  const std::string first(100'000, 'a');
  const std::string second = "SECOND-FILE-CONTENT";
  dir.write("day/peer/first", first);
  dir.write("day/peer/second", second);
  StagedImage staged(dir / "day");

  const std::string bytes = image_bytes(staged.image.get());
  CHECK(bytes.find(first) != std::string::npos);
  CHECK(bytes.find(second) != std::string::npos);
  CHECK(staged.tree.read_errors().empty());
}

TEST_CASE("A staged file that vanishes or shrinks before it is written is named",
          "[media][read_ahead]") {
  TempDir dir;
  dir.write("day/vanishing", std::string(50'000, 'v'));
  dir.write("day/shrinking", std::string(50'000, 's'));
  dir.write("day/kept", "KEPT-CONTENT");
  StagedImage staged(dir / "day");
  fs::remove(dir / "day/vanishing");
  fs::resize_file(dir / "day/shrinking", 1000);

  const std::string bytes = image_bytes(staged.image.get());
  CHECK(bytes.find("KEPT-CONTENT") != std::string::npos);
  const auto errors = staged.tree.read_errors();
  REQUIRE(errors.size() == 2);
  const std::string all = errors[0] + "\n" + errors[1];
  CHECK(all.find((dir / "day/vanishing").string() + "]: No such file or directory") !=
        std::string::npos);
  CHECK(all.find((dir / "day/shrinking").string() + "]: the file ended after") !=
        std::string::npos);
}

TEST_CASE("Files of a tree whose order was never fixed are read directly, not waited for",
          "[media][read_ahead]") {
  TempDir dir;
  dir.write("day/one", "FIRST-UNORDERED");
  dir.write("day/two", std::string(70'000, 'u'));
  StagedImage staged(dir / "day", StagedImage::Order::not_fixed);
  const std::string bytes = image_bytes(staged.image.get());
  CHECK(bytes.find("FIRST-UNORDERED") != std::string::npos);
  CHECK(bytes.find(std::string(70'000, 'u')) != std::string::npos);
  CHECK(staged.tree.read_errors().empty());
}

TEST_CASE("A staged file replaced by a link, a FIFO or another file is not read, and is named",
          "[media][read_ahead][planted]") {
  // The staging dir belongs to the backup user: what is at a staged name
  // when the image is written may not be the file that was staged.
  TempDir dir;
  const std::string secret_text = "ROOT-ONLY-SECRET-" + std::string(100, 'x');
  const auto secret = dir.write("secret", secret_text);
  const auto staged_file = dir / "day/staged";
  dir.write("day/staged", std::string(secret_text.size(), 'o'));
  dir.write("day/kept", "KEPT-CONTENT");
  enum class Swap { link, other_file, fifo };
  Swap swap = Swap::link;
  auto order = StagedImage::Order::fixed;
  std::string expected = "it is a symbolic link now";
  SECTION("a symbolic link, read ahead") {}
  SECTION("a symbolic link, read directly") {
    order = StagedImage::Order::not_fixed;
  }
  SECTION("another regular file with the same content size") {
    swap = Swap::other_file;
    expected = "another file is at its name now";
  }
  SECTION("a FIFO (the open must not block)") {
    swap = Swap::fifo;
    expected = "another file is at its name now";
  }
  StagedImage staged(dir / "day", order);
  fs::remove(staged_file);
  switch (swap) {
  case Swap::link:
    fs::create_symlink(secret, staged_file);
    break;
  case Swap::other_file:
    REQUIRE(::link(secret.c_str(), staged_file.c_str()) == 0);
    break;
  case Swap::fifo:
    REQUIRE(::mkfifo(staged_file.c_str(), 0600) == 0);
    break;
  }
  const std::string bytes = image_bytes(staged.image.get());
  CHECK(bytes.find("KEPT-CONTENT") != std::string::npos);
  CHECK(bytes.find("ROOT-ONLY-SECRET") == std::string::npos);
  const auto errors = staged.tree.read_errors();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find(staged_file.string() + "]: " + expected) != std::string::npos);
}
