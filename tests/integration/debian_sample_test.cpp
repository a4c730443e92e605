// The sample configuration shipped with Debian's cedar-backup3 package loads,
// converts to TOML and validates with the messages of the original.

#include "support/parts.hpp"
#include "support/pool.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

constexpr const char* k_sample = "/usr/share/doc/cedar-backup3/examples/cback3.conf.sample";

/// False (after a WARN) when the sample is missing outside CI; a failure in CI.
bool sample_present() {
  if (fs::exists(k_sample)) {
    return true;
  }
  return report_missing_part(k_sample, "package cedar-backup3");
}

// What validate reports on a machine without the sample's directories,
// user "backup" in group "group", and device.
const std::vector<std::string> k_expected_messages{
    "Working directory [/opt/backup/tmp] does not exist.",
    "Backup user:group [backup:group] invalid.",
    "Collect target directory [/opt/backup/collect] does not exist.",
    "Stage target dir [/opt/backup/stage] does not exist.",
    "Local peer collect dir [/opt/backup/collect] does not exist.",
    "Store source directory [/opt/backup/stage] does not exist.",
    "Backup device [/dev/cdrw] is not valid",
    "Purge directory [/opt/backup/stage] does not exist.",
    "Purge directory [/opt/backup/collect] does not exist.",
    "Configuration is not valid.",
};

void check_validate_messages(const fs::path& config, const TempDir& dir) {
  const auto result = run(cback_command(config, dir / "cback.log", {"validate"}));
  INFO(result.out << result.err);
  CHECK(result.exit_code == 4);
  for (const auto& message : k_expected_messages) {
    CHECK(result.out.find(message) != std::string::npos);
  }
}

} // namespace

TEST_CASE("The Debian sample configuration loads and checks as valid", "[integration][sample]") {
  CBACK_REQUIRE_PART(sample_present());
  const auto result = run({cback_config_binary(), "check", k_sample});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("configuration is valid") != std::string::npos);
}

TEST_CASE("The Debian sample converts to TOML that checks as valid", "[integration][sample]") {
  CBACK_REQUIRE_PART(sample_present());
  TempDir dir;
  const auto converted = (dir / "cback.toml").string();
  const auto convert = run({cback_config_binary(), "convert", k_sample, "-o", converted});
  INFO(convert.out << convert.err);
  REQUIRE(convert.exit_code == 0);
  const auto check = run({cback_config_binary(), "check", converted});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
}

TEST_CASE("validate of the Debian sample reports what this machine lacks, as the original does",
          "[integration][sample]") {
  CBACK_REQUIRE_PART(sample_present());
  TempDir dir;
  check_validate_messages(k_sample, dir);
  // The converted configuration is the same configuration: the same report.
  const auto converted = (dir / "converted.toml").string();
  REQUIRE(run({cback_config_binary(), "convert", k_sample, "-o", converted}).exit_code == 0);
  check_validate_messages(converted, dir);
}

} // namespace cback::test
