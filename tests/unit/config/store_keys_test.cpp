// The store keys cback adds: fifo_size and allow_failed_peers, in both
// formats, and their defaults.

#include "support/config_problems.hpp"

#include <cback/config/load.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

namespace config = cback::config;

namespace {

constexpr const char* k_toml_store = R"(
[store]
source_dir = "/var/stage"
media_type = "bd-re"
device_type = "bdwriter"
target_device = "stdio:/var/images/disc.iso"
{}
)";

constexpr const char* k_xml_store = R"(  <store>
    <source_dir>/var/stage</source_dir>
    <media_type>dvd-rw</media_type>
    <device_type>dvdwriter</device_type>
    <target_device>/dev/sr0</target_device>
    <fifo_size>64 MB</fifo_size>
    <allow_failed_peers>Y</allow_failed_peers>
  </store>
</cb_config>
)";

const std::string k_xml = std::string("<?xml version=\"1.0\"?>\n<cb_config>\n") +
                          cback::test::k_xml_options + k_xml_store;

std::string toml_with(const std::string& lines) {
  std::string text = std::string(cback::test::k_toml_options) + k_toml_store;
  text.replace(text.find("{}"), 2, lines);
  return text;
}

} // namespace

TEST_CASE("fifo_size and allow_failed_peers default to unset and false", "[config][store]") {
  const config::Config c = config::parse(toml_with(""), "c.toml");
  REQUIRE(c.store);
  CHECK_FALSE(c.store->fifo_size);
  CHECK_FALSE(c.store->allow_failed_peers);
  CHECK(c.store->media_type == config::MediaType::bd_re);
  CHECK(c.store->target_device == "stdio:/var/images/disc.iso");
}

TEST_CASE("fifo_size is a byte quantity and allow_failed_peers a boolean in TOML",
          "[config][store]") {
  const config::Config c =
      config::parse(toml_with("fifo_size = \"256 MB\"\nallow_failed_peers = true\n"), "c.toml");
  REQUIRE(c.store->fifo_size);
  CHECK(c.store->fifo_size->bytes == 256.0 * 1024 * 1024);
  CHECK(c.store->allow_failed_peers);
  CHECK(config::parse(config::to_toml(c), "again.toml") == c);
}

TEST_CASE("The new store keys read from the legacy XML too", "[config][store]") {
  const config::Config c = config::parse(k_xml, "c.xml");
  REQUIRE(c.store);
  REQUIRE(c.store->fifo_size);
  CHECK(c.store->fifo_size->bytes == 64.0 * 1024 * 1024);
  CHECK(c.store->allow_failed_peers);
  CHECK(c.store->media_type == config::MediaType::dvd_minus_rw);
}

TEST_CASE("A fifo_size that is not a byte quantity is a problem at its line", "[config][store]") {
  const auto problems = cback::test::problems_of(toml_with("fifo_size = \"lots\"\n"), "c.toml");
  INFO(cback::test::listing(problems));
  REQUIRE(problems.size() == 1);
  CHECK(cback::test::has_problem(problems, "c.toml:13:13", "is not a byte quantity"));
}

TEST_CASE("fifo_size must lie between 64 KiB and 1 GiB", "[config][store]") {
  for (const char* size : {"1000", "2 GB"}) {
    const auto problems =
        cback::test::problems_of(toml_with(fmt::format("fifo_size = \"{}\"\n", size)), "c.toml");
    INFO(cback::test::listing(problems));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].message.find("fifo_size must be between 64 KiB and 1 GiB") !=
          std::string::npos);
  }
  CHECK(cback::test::problems_of(toml_with("fifo_size = \"64 KB\"\n"), "c.toml").empty());
  CHECK(cback::test::problems_of(toml_with("fifo_size = \"1 GB\"\n"), "c.toml").empty());
}
