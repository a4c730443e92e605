// The sysinfo extension through the real binary, on this machine: the real
// dpkg, fdisk (when installed) and `ls -laR /`.

#include "support/config_text.hpp"
#include "support/parts.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <string>

using cback::test::cback_binary;
using cback::test::program_available;
using cback::test::read_file;
using cback::test::run;
using cback::test::RunOptions;
using cback::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string bunzip2(const fs::path& file) {
  const auto result = run({"/usr/bin/bzip2", "-dc", file.string()});
  REQUIRE(result.exit_code == 0);
  return result.out;
}

} // namespace

TEST_CASE("Sysinfo writes the package selections, the partition table and the file listing",
          "[extension][sysinfo]") {
  if (!program_available("bzip2") || !program_available("dpkg")) {
    return;
  }
  TempDir dir;
  fs::create_directories(dir / "work");
  fs::create_directories(dir / "collect");
  const auto config = dir.write("cback.toml", fmt::format(R"([extensions]
[[extensions.action]]
name = "sysinfo"
index = 95

{}[collect]
collect_dir = '{}'
collect_mode = "daily"
archive_mode = "tar"
)",
                                                          cback::test::options_table(dir / "work"),
                                                          (dir / "collect").string()));
  RunOptions options;
  options.timeout = std::chrono::seconds{300};
  const auto result =
      run({cback_binary(), "-c", config.string(), "-l", (dir / "cback.log").string(), "sysinfo"},
          options);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);

  CHECK_THAT(bunzip2(dir / "collect/dpkg-selections.txt.bz2"), Catch::Contains("install"));
  CHECK_THAT(bunzip2(dir / "collect/dpkg-selections.txt.bz2"), Catch::Contains("dpkg"));
  const std::string listing = bunzip2(dir / "collect/ls-laR.txt.bz2");
  CHECK_THAT(listing, Catch::StartsWith("/:\n"));
  CHECK_THAT(listing, Catch::Contains("\n/usr/bin:\n"));
  if (fs::exists("/sbin/fdisk")) {
    CHECK(fs::exists(dir / "collect/fdisk-l.txt.bz2"));
  } else {
    CHECK_FALSE(fs::exists(dir / "collect/fdisk-l.txt.bz2"));
    CHECK_THAT(read_file(dir / "cback.log"),
               Catch::Contains("Not executing partition table dump since /sbin/fdisk doesn't "
                               "seem to exist."));
  }
  for (const auto& entry : fs::directory_iterator(dir / "collect")) {
    CHECK(entry.path().extension() != ".partial");
  }
}
