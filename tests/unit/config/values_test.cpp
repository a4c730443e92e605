#include <cback/config/values.hpp>

#include <catch2/catch.hpp>

namespace config = cback::config;

TEST_CASE("Integers are read like Python int()", "[config][values]") {
  CHECK(config::parse_python_int("42") == 42);
  CHECK(config::parse_python_int("  -7\n") == -7);
  CHECK(config::parse_python_int("+1_000") == 1000);
  CHECK(config::parse_python_int("007") == 7);
  CHECK_FALSE(config::parse_python_int(""));
  CHECK_FALSE(config::parse_python_int("-"));
  CHECK_FALSE(config::parse_python_int("_1"));
  CHECK_FALSE(config::parse_python_int("1_"));
  CHECK_FALSE(config::parse_python_int("1__0"));
  CHECK_FALSE(config::parse_python_int("0x10"));
  CHECK_FALSE(config::parse_python_int("1.0"));
  CHECK_FALSE(config::parse_python_int("1 2"));
  CHECK_FALSE(config::parse_python_int("99999999999999999999"));
}

TEST_CASE("Floats are read like Python float(), finite only", "[config][values]") {
  CHECK(config::parse_python_float("5.1") == 5.1);
  CHECK(config::parse_python_float(" .5 ") == 0.5);
  CHECK(config::parse_python_float("1.") == 1.0);
  CHECK(config::parse_python_float("-2e3") == -2000.0);
  CHECK(config::parse_python_float("1_0.2_5") == 10.25);
  CHECK_FALSE(config::parse_python_float("."));
  CHECK_FALSE(config::parse_python_float("e5"));
  CHECK_FALSE(config::parse_python_float("1e"));
  CHECK_FALSE(config::parse_python_float("inf"));
  CHECK_FALSE(config::parse_python_float("nan"));
  CHECK_FALSE(config::parse_python_float("1e999"));
  CHECK_FALSE(config::parse_python_float("1,5"));
}

TEST_CASE("Byte quantities take KB, MB and GB as powers of 1024", "[config][values]") {
  std::string error;
  const auto bytes = [&](std::string_view text) {
    const std::optional<config::ByteQuantity> q = config::parse_byte_quantity(text, error);
    return q ? q->bytes : -1.0;
  };
  CHECK(bytes("10240") == 10240.0);
  CHECK(bytes("250 MB") == 250.0 * 1024 * 1024);
  CHECK(bytes("1.1GB") == 1.1 * 1024 * 1024 * 1024);
  CHECK(bytes(" 2 KB ") == 2048.0);
  CHECK(bytes("0") == 0.0);
  CHECK(bytes("2 kb") == -1.0);
  CHECK(bytes("MB") == -1.0);
  CHECK(bytes("-1 MB") == -1.0);
  CHECK(error.find("negative") != std::string::npos);
  CHECK(config::parse_byte_quantity(" 250 MB ", error)->text == "250 MB");
}

TEST_CASE("Regular expressions are checked with PCRE2", "[config][values]") {
  CHECK_FALSE(config::regex_error(R"(.*\.(o|a)$)"));
  CHECK_FALSE(config::regex_error(R"((?P<name>\w+)-\d{2,})"));
  CHECK_FALSE(config::regex_error("caf\xC3\xA9"));
  const std::optional<std::string> error = config::regex_error("a[b");
  REQUIRE(error);
  CHECK(error->find("offset 3") != std::string::npos);
  CHECK(config::regex_error("*"));
}

TEST_CASE("Names, identifiers and SCSI ids have the original's syntax", "[config][values]") {
  CHECK(config::is_action_name("mysql2"));
  CHECK(config::is_action_name(""));
  CHECK_FALSE(config::is_action_name("MySQL"));
  CHECK_FALSE(config::is_action_name("my-sql"));
  CHECK(config::is_identifier("executeAction"));
  CHECK(config::is_identifier("_x1"));
  CHECK_FALSE(config::is_identifier("1x"));
  CHECK_FALSE(config::is_identifier(""));
  CHECK(config::is_dotted_identifier("CedarBackup3.extend.mysql"));
  CHECK_FALSE(config::is_dotted_identifier("CedarBackup3..mysql"));
  CHECK_FALSE(config::is_dotted_identifier("CedarBackup3.extend."));
  CHECK(config::is_scsi_id("0,0,0"));
  CHECK(config::is_scsi_id(" ATA:1, 0 ,0 "));
  CHECK(config::is_scsi_id("dev=/dev/sg0:1,2,3"));
  CHECK(config::is_scsi_id("IOCompactDiscServices/2"));
  CHECK_FALSE(config::is_scsi_id("0,0"));
  CHECK_FALSE(config::is_scsi_id("a,b,c"));
}
