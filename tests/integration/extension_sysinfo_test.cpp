// The sysinfo extension through the real binary, on this machine: the real
// dpkg, fdisk (when installed) and `ls -laR /`.

#include "support/parts.hpp"
#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

std::string bunzip2(const fs::path& file) {
  const auto result = run({"/usr/bin/bzip2", "-dc", file.string()});
  REQUIRE(result.exit_code == 0);
  return result.out;
}

} // namespace

TEST_CASE("Sysinfo writes the package selections, the partition table and the file listing",
          "[extension][sysinfo]") {
  CBACK_REQUIRE_PART(program_available("bzip2") && program_available("dpkg"));
  Pool pool;
  const auto& dir = pool.dir;
  pool.configure(extensions_table("sysinfo", 95) + options_table(pool.make_dir("work")) +
                 daily_collect_table(pool.make_dir("collect")));
  RunOptions options;
  options.timeout = std::chrono::seconds{300};
  const auto result = pool.cback({"sysinfo"}, options);
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

} // namespace cback::test
