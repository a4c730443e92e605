// media::burn, the entry point of store, rebuild, initialize and the tools,
// against stdio: images.

#include "support/io_backends.hpp"
#include "support/temp_dir.hpp"

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/stop.hpp>
#include <cback/media/burner.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using cback::test::TempDir;
using namespace cback::media;

namespace {

BurnerOptions options_for(const fs::path& image) {
  BurnerOptions options;
  options.device = "stdio:" + image.string();
  options.media_type = cback::config::MediaType::dvd_plus_rw;
  options.fifo_size = 1024 * 1024;
  return options;
}

BurnRequest request_for(const fs::path& source, const std::string& graft, NewDisc new_disc) {
  BurnRequest request;
  request.grafts.push_back({source, graft});
  request.label = "CEDAR BACKUP 24-NOV-2026";
  request.new_disc = new_disc;
  request.verify = true;
  return request;
}

} // namespace

TEST_CASE("burn appends, then starts a new disc, verifying each write", "[media][burner]") {
  TempDir dir;
  dir.write("a/one.tar", std::string(100'000, 'a'));
  dir.write("b/two.tar", std::string(50'000, 'b'));
  cback::core::Logger log;
  cback::io::Backend& io = cback::test::default_backend();
  const auto options = options_for(dir / "disc.iso");

  const BurnResult first =
      write_to_medium(options, request_for(dir / "a", "2026/11/24", {NewDisc::Rule::no, 0.0}), io, log);
  CHECK(first.before.status == DiscStatus::blank);
  CHECK_FALSE(first.new_disc);
  REQUIRE(first.verify);
  CHECK(first.verify->files == 1);
  CHECK(first.verify->session_md5);

  std::size_t samples = 0;
  BurnRequest second_request = request_for(dir / "b", "2026/11/25", {NewDisc::Rule::no, 0.0});
  second_request.observer = [&](const WriteSample&) { ++samples; };
  const BurnResult second = write_to_medium(options, second_request, io, log);
  CHECK(second.before.sessions == 1);
  CHECK(second.write.start_byte >= first.write.image_bytes);
  CHECK(second.available <= first.available);

  const BurnResult third = write_to_medium(
      options, request_for(dir / "b", "2026/11/30", {NewDisc::Rule::yes, 0.0}), io, log);
  CHECK(third.before.sessions == 2);
  CHECK(third.new_disc);
  CHECK(third.write.start_byte < second.write.start_byte);
  CHECK(Drive::grab(options.device).state().sessions == 1);
}

TEST_CASE("burn with check_media refuses an unlabelled rewritable medium", "[media][burner]") {
  TempDir dir;
  dir.write("a/one.tar", "x");
  cback::core::Logger log;
  cback::io::Backend& io = cback::test::default_backend();
  auto options = options_for(dir / "disc.iso");
  options.check_media = true;
  CHECK_THROWS_WITH(
      write_to_medium(options, request_for(dir / "a", "2026/11/24", {NewDisc::Rule::no, 0.0}), io, log),
      Catch::Contains("has not been initialized"));
  CHECK_FALSE(fs::exists(dir / "disc.iso"));
}

TEST_CASE("A new disc on an image file that is stopped while writing leaves the old image",
          "[media][burner]") {
  TempDir dir;
  dir.write("a/one.tar", std::string(100'000, 'a'));
  cback::core::Logger log;
  cback::io::Backend& io = cback::test::default_backend();
  const auto options = options_for(dir / "disc.iso");
  write_to_medium(options, request_for(dir / "a", "2026/11/24", {NewDisc::Rule::no, 0.0}), io, log);
  const std::string before = cback::test::read_file(dir / "disc.iso");

  // 1 GiB of holes: read at memory speed, seconds to checksum and write.
  fs::create_directories(dir / "b");
  { std::ofstream(dir / "b/big.tar", std::ios::binary); }
  fs::resize_file(dir / "b/big.tar", std::uintmax_t{1} << 30);
  cback::core::StopFlag stop;
  BurnRequest request = request_for(dir / "b", "2026/11/30", {NewDisc::Rule::yes, 0.0});
  request.observer = [&](const WriteSample& sample) {
    if (sample.written > 0) {
      stop.request();
    }
  };
  CHECK_THROWS_WITH(write_to_medium(options, request, io, log, &stop), Catch::Contains("interrupted"));
  CHECK(cback::test::read_file(dir / "disc.iso") == before);
  CHECK_FALSE(fs::exists(dir / "disc.iso.partial"));
  CHECK(Drive::grab(options.device).state().volume_id == "CEDAR BACKUP 24-NOV-2026");
}
