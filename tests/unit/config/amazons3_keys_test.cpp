// The [amazons3] keys cback adds to the original's: the service, the
// credentials profile, storage class and the upload's tuning.

#include "support/config_problems.hpp"

#include <cback/config/load.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace config = cback::config;
using cback::test::listing;
using cback::test::problems_of;

namespace {

std::string toml_with_amazons3(const std::string& keys) {
  return fmt::format("{}\n[stage]\nstaging_dir = \"/srv/stage\"\n[[stage.peer]]\n"
                     "name = \"a\"\ntype = \"local\"\ncollect_dir = \"/srv/a\"\n\n"
                     "[amazons3]\ns3_bucket = \"example-backups/pool\"\n{}\n",
                     cback::test::k_toml_options, keys);
}

// Whether a problem (wherever it is reported) says `text`.
bool mentions(const config::Problems& problems, std::string_view text) {
  return std::any_of(problems.begin(), problems.end(), [&](const config::Problem& problem) {
    return problem.message.find(text) != std::string::npos;
  });
}

} // namespace

TEST_CASE("The new amazons3 keys have defaults", "[config][amazons3]") {
  const auto c = config::parse(toml_with_amazons3(""), "cback.toml");
  REQUIRE(c.amazons3);
  CHECK_FALSE(c.amazons3->endpoint_url);
  CHECK_FALSE(c.amazons3->region);
  CHECK_FALSE(c.amazons3->profile);
  CHECK_FALSE(c.amazons3->storage_class);
  CHECK_FALSE(c.amazons3->part_size);
  CHECK(c.amazons3->parallel_parts == 4);
  CHECK_FALSE(c.amazons3->bandwidth_limit);
}

TEST_CASE("The new amazons3 keys are read from TOML and from XML alike", "[config][amazons3]") {
  const auto toml = config::parse(toml_with_amazons3(R"(endpoint_url = "http://127.0.0.1:7480"
region = "eu-central-1"
profile = "backup"
storage_class = "STANDARD_IA"
part_size = "16 MB"
parallel_parts = 8
bandwidth_limit = "10 MB")"),
                                  "cback.toml");
  REQUIRE(toml.amazons3);
  CHECK(toml.amazons3->endpoint_url == "http://127.0.0.1:7480");
  CHECK(toml.amazons3->region == "eu-central-1");
  CHECK(toml.amazons3->profile == "backup");
  CHECK(toml.amazons3->storage_class == "STANDARD_IA");
  REQUIRE(toml.amazons3->part_size);
  CHECK(toml.amazons3->part_size->bytes == 16.0 * 1024 * 1024);
  CHECK(toml.amazons3->parallel_parts == 8);
  REQUIRE(toml.amazons3->bandwidth_limit);
  CHECK(toml.amazons3->bandwidth_limit->bytes == 10.0 * 1024 * 1024);

  const auto xml = config::parse(std::string("<?xml version=\"1.0\"?>\n<cb_config>\n") +
                                     cback::test::k_xml_options + R"(  <stage>
    <staging_dir>/srv/stage</staging_dir>
    <peer><name>a</name><type>local</type><collect_dir>/srv/a</collect_dir></peer>
  </stage>
  <amazons3>
    <s3_bucket>example-backups/pool</s3_bucket>
    <endpoint_url>http://127.0.0.1:7480</endpoint_url>
    <region>eu-central-1</region>
    <profile>backup</profile>
    <storage_class>STANDARD_IA</storage_class>
    <part_size>16 MB</part_size>
    <parallel_parts>8</parallel_parts>
    <bandwidth_limit>10 MB</bandwidth_limit>
  </amazons3>
</cb_config>
)",
                                 "cback.xml");
  CHECK(xml.amazons3 == toml.amazons3);
}

TEST_CASE("Parts outside S3's 5 MiB to 5 GiB, no bandwidth and a non-HTTP endpoint are refused",
          "[config][amazons3]") {
  const auto problems = problems_of(toml_with_amazons3("part_size = \"1 MB\"\n"
                                                       "parallel_parts = 0\n"
                                                       "bandwidth_limit = 0\n"
                                                       "endpoint_url = \"ftp://example.org\""),
                                    "cback.toml");
  INFO(listing(problems));
  CHECK(problems.size() == 4);
  CHECK(mentions(problems, "Part size must be from 5 MiB to 5 GiB, not [1 MB]"));
  CHECK(mentions(problems, "between 1 and 64"));
  CHECK(mentions(problems, "Bandwidth limit must be greater than zero"));
  CHECK(mentions(problems, "must start with http:// or https://"));
}
