#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>
#include <cback/extend/mbox_archive.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <map>
#include <string>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

/// Member name -> content, read back with libarchive (any compression).
std::map<std::string, std::string> members(const fs::path& tar) {
  std::map<std::string, std::string> result;
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_all(a);
  REQUIRE(archive_read_open_filename(a, tar.c_str(), 1 << 16) == ARCHIVE_OK);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    std::string content(static_cast<std::size_t>(archive_entry_size(entry)), '\0');
    CHECK(archive_read_data(a, content.data(), content.size()) ==
          static_cast<la_ssize_t>(content.size()));
    result[archive_entry_pathname(entry)] = content;
  }
  archive_read_free(a);
  return result;
}

} // namespace

TEST_CASE("The mbox tar holds each copy under its base name only", "[extend][mbox]") {
  test::TempDir tmp;
  core::StopFlag stop;
  const auto inbox = tmp.write("scratch/inbox", "From a\n\nhello\n");
  const auto lists = tmp.write("scratch/lists", std::string(200'000, 'x'));
  const auto mode = GENERATE(config::CompressMode::none, config::CompressMode::gzip,
                             config::CompressMode::bzip2, config::CompressMode::zstd);
  const auto target = tmp / ("mbox.tar" + std::to_string(static_cast<int>(mode)));

  write_flat_tar({inbox, lists}, target, mode, stop);

  CHECK(members(target) ==
        std::map<std::string, std::string>{{"inbox", "From a\n\nhello\n"},
                                           {"lists", std::string(200'000, 'x')}});
  CHECK_FALSE(fs::exists(target.string() + ".partial"));
}

TEST_CASE("An mbox tar that cannot be completed leaves neither the tar nor a partial file",
          "[extend][mbox]") {
  test::TempDir tmp;
  core::StopFlag stop;
  const auto inbox = tmp.write("scratch/inbox", "From a\n\nhello\n");
  const auto target = tmp / "mbox.tar.gz";

  CHECK_THROWS_AS(
      write_flat_tar({inbox, tmp / "scratch/gone"}, target, config::CompressMode::gzip, stop),
      Error);
  CHECK_FALSE(fs::exists(target));
  CHECK_FALSE(fs::exists(target.string() + ".partial"));
}

} // namespace cback::extend
