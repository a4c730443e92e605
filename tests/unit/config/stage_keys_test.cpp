// The [stage] keys for remote peers: SFTP pipelining, concurrency,
// bandwidth, timeouts, compression, host keys and the transport.

#include "support/config_problems.hpp"

#include <cback/config/load.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

namespace config = cback::config;
using cback::test::has_problem;
using cback::test::listing;
using cback::test::problems_of;

namespace {

using cback::test::k_toml_options;

std::string toml_with_stage(const std::string& keys) {
  return fmt::format("{}\n[stage]\nstaging_dir = \"/srv/stage\"\n{}\n[[stage.peer]]\n"
                     "name = \"a\"\ntype = \"local\"\ncollect_dir = \"/srv/a\"\n",
                     k_toml_options, keys);
}

} // namespace

TEST_CASE("The stage keys for remote peers have defaults", "[config][stage]") {
  const auto c = config::parse(toml_with_stage(""), "cback.toml");
  REQUIRE(c.stage);
  CHECK(c.stage->max_concurrent_peers == 8);
  CHECK(c.stage->transport == config::StageTransport::sftp);
  CHECK(c.stage->sftp_request_size == 65536);
  CHECK(c.stage->sftp_requests_in_flight == 32);
  CHECK_FALSE(c.stage->bandwidth_limit);
  CHECK_FALSE(c.stage->total_bandwidth_limit);
  CHECK(c.stage->connect_timeout == 30);
  CHECK(c.stage->io_timeout == 120);
  CHECK_FALSE(c.stage->ssh_compression);
  CHECK_FALSE(c.stage->accept_new_host_keys);
}

TEST_CASE("The stage keys are read from TOML and from XML alike", "[config][stage]") {
  const auto toml = config::parse(toml_with_stage(R"(max_concurrent_peers = 3
transport = "command"
sftp_request_size = 32768
sftp_requests_in_flight = 64
bandwidth_limit = "2.5 MB"
total_bandwidth_limit = "10 MB"
connect_timeout = 5
io_timeout = 60
ssh_compression = true
accept_new_host_keys = true)"),
                                  "cback.toml");
  REQUIRE(toml.stage);
  CHECK(toml.stage->max_concurrent_peers == 3);
  CHECK(toml.stage->transport == config::StageTransport::command);
  CHECK(toml.stage->sftp_request_size == 32768);
  CHECK(toml.stage->sftp_requests_in_flight == 64);
  REQUIRE(toml.stage->bandwidth_limit);
  CHECK(toml.stage->bandwidth_limit->bytes == 2.5 * 1024 * 1024);
  REQUIRE(toml.stage->total_bandwidth_limit);
  CHECK(toml.stage->total_bandwidth_limit->bytes == 10.0 * 1024 * 1024);
  CHECK(toml.stage->connect_timeout == 5);
  CHECK(toml.stage->io_timeout == 60);
  CHECK(toml.stage->ssh_compression);
  CHECK(toml.stage->accept_new_host_keys);

  const auto xml = config::parse(std::string("<?xml version=\"1.0\"?>\n<cb_config>\n") +
                                     cback::test::k_xml_options + R"(  <stage>
    <staging_dir>/srv/stage</staging_dir>
    <max_concurrent_peers>3</max_concurrent_peers>
    <transport>command</transport>
    <sftp_request_size>32768</sftp_request_size>
    <sftp_requests_in_flight>64</sftp_requests_in_flight>
    <bandwidth_limit>2.5 MB</bandwidth_limit>
    <total_bandwidth_limit>10 MB</total_bandwidth_limit>
    <connect_timeout>5</connect_timeout>
    <io_timeout>60</io_timeout>
    <ssh_compression>Y</ssh_compression>
    <accept_new_host_keys>Y</accept_new_host_keys>
    <peer><name>a</name><type>local</type><collect_dir>/srv/a</collect_dir></peer>
  </stage>
</cb_config>
)",
                                 "cback.xml");
  CHECK(xml.stage == toml.stage);
}

TEST_CASE("SFTP requests above 64 KiB and zero concurrency are refused", "[config][stage]") {
  const auto problems = problems_of(toml_with_stage("sftp_request_size = 262144\n"
                                                    "max_concurrent_peers = 0\n"
                                                    "transport = \"scp\""),
                                    "cback.toml");
  INFO(listing(problems));
  CHECK(problems.size() == 3);
  CHECK(has_problem(problems, "cback.toml:10:21", "between 1024 and 65536"));
  CHECK(has_problem(problems, "cback.toml:11:24", "between 1 and 1024"));
  CHECK(has_problem(problems, "cback.toml:12:13", "\"sftp\", \"command\""));
}
