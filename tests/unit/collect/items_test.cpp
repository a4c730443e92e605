#include <cback/collect/items.hpp>
#include <cback/core/error.hpp>

#include <catch2/catch.hpp>

namespace cback::collect {
namespace {

using config::ArchiveMode;
using config::CollectMode;

config::Collect sample() {
  config::Collect collect;
  collect.collect_dir = "/var/backup";
  collect.collect_mode = CollectMode::daily;
  collect.archive_mode = ArchiveMode::targz;
  collect.ignore_file = ".cbignore";
  collect.exclude.abs_path = {"/etc/secret"};
  collect.exclude.pattern = {".*\\.tmp"};
  config::CollectDir etc;
  etc.abs_path = "/etc";
  etc.collect_mode = CollectMode::incr;
  etc.link_depth = 1;
  etc.dereference = true;
  etc.recursion_level = -1;
  etc.exclude.abs_path = {"/etc/ssl"};
  etc.exclude.rel_path = {"cache", "/abs"};
  etc.exclude.pattern = {".*~"};
  config::CollectDir home;
  home.abs_path = "/home";
  home.archive_mode = ArchiveMode::tarzst;
  home.ignore_file = ".nobackup";
  collect.dirs = {etc, home};
  config::CollectFile profile;
  profile.abs_path = "/root/.profile";
  profile.collect_mode = CollectMode::weekly;
  collect.files = {profile};
  return collect;
}

TEST_CASE("Files come first, then directories, with section defaults", "[collect][items]") {
  const auto items = collect_items(sample());
  REQUIRE(items.size() == 3);
  CHECK(items[0].type == ItemType::file);
  CHECK(items[0].abs_path == "/root/.profile");
  CHECK(items[0].collect_mode == CollectMode::weekly);
  CHECK(items[0].archive_mode == ArchiveMode::targz);

  CHECK(items[1].abs_path == "/etc");
  CHECK(items[1].collect_mode == CollectMode::incr);
  CHECK(items[1].exclusions.abs_paths ==
        std::vector<std::string>{"/etc/secret", "/etc/ssl", "/etc/cache", "/abs"});
  CHECK(items[1].exclusions.patterns == std::vector<std::string>{".*\\.tmp", ".*~"});
  CHECK(items[1].exclusions.basename_patterns.empty());
  CHECK(items[1].exclusions.ignore_file == ".cbignore");
  CHECK(items[1].walk.link_depth == 1);
  CHECK(items[1].walk.dereference);
  CHECK(items[1].walk.recursion_level == -1);

  CHECK(items[2].archive_mode == ArchiveMode::tarzst);
  CHECK(items[2].collect_mode == CollectMode::daily);
  CHECK(items[2].exclusions.ignore_file == ".nobackup");
  CHECK(items[2].exclusions.abs_paths == std::vector<std::string>{"/etc/secret"});
}

TEST_CASE("An item without any collect mode is a configuration error", "[collect][items]") {
  auto collect = sample();
  collect.collect_mode.reset();
  CHECK_THROWS_WITH(collect_items(collect), Catch::Contains("/home"));
}

} // namespace
} // namespace cback::collect
