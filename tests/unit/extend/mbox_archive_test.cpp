#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>
#include <cback/extend/mbox_archive.hpp>

#include "support/tar_members.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

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

  CHECK(test::tar_members(target) ==
        std::vector<test::TarMember>{{"inbox", "From a\n\nhello\n"},
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
