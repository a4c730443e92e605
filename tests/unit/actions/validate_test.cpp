#include <cback/actions/validate.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

using cback::actions::SystemProbe;
using cback::actions::validation_problems;
using cback::test::TempDir;
using Problems = std::vector<std::string>;
namespace config = cback::config;
namespace fs = std::filesystem;

namespace {

// The real system, except for the access(2) answers listed in `denied`:
// tests run as root, for whom access(2) grants nearly everything.
class DenyingProbe : public SystemProbe {
public:
  std::set<std::pair<std::string, int>> denied;
  [[nodiscard]] bool can(const std::string& path, int mode) const override {
    for (const auto& [denied_path, denied_mode] : denied) {
      if (denied_path == path && (denied_mode & mode) != 0) {
        return false;
      }
    }
    return SystemProbe::can(path, mode);
  }
};

std::string current_user() {
  return ::getpwuid(::getuid())->pw_name;
}
std::string current_group() {
  return ::getgrgid(::getgid())->gr_name;
}

// A minimal valid configuration whose directories all exist under `dir`.
config::Config valid_config(const TempDir& dir) {
  for (const char* sub : {"work", "collect", "src", "staging", "peer", "purge", "images"}) {
    fs::create_directories(dir / sub);
  }
  config::Config config;
  config.reference = config::Reference{};
  config::Options options;
  options.working_dir = (dir / "work").string();
  options.backup_user = current_user();
  options.backup_group = current_group();
  config.options = options;
  config::Collect collect;
  collect.collect_dir = (dir / "collect").string();
  collect.dirs.push_back(config::CollectDir{});
  collect.dirs.back().abs_path = (dir / "src").string();
  collect.files.push_back(config::CollectFile{(dir / "no-such-file").string(), {}, {}, {}});
  config.collect = collect;
  config::Stage stage;
  stage.staging_dir = (dir / "staging").string();
  config::Peer peer;
  peer.name = "local1";
  peer.collect_dir = (dir / "peer").string();
  stage.peers.push_back(peer);
  config::Peer remote;
  remote.name = "remote1";
  remote.type = config::PeerType::remote;
  remote.collect_dir = "/does/not/matter";
  stage.peers.push_back(remote);
  config.stage = stage;
  config::Store store;
  store.source_dir = (dir / "staging").string();
  store.target_device = "stdio:" + (dir / "images" / "disc.iso").string();
  config.store = store;
  config.purge = config::Purge{{config::PurgeDir{(dir / "purge").string(), 7, {}}}, {}};
  return config;
}

} // namespace

TEST_CASE("A configuration that fits the machine has no problems", "[actions][validate]") {
  TempDir dir;
  CHECK(validation_problems(valid_config(dir)) == Problems{});
}

TEST_CASE("A missing reference section is no problem, as cback-config check says",
          "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  config.reference.reset();
  CHECK(validation_problems(config) == Problems{});
}

TEST_CASE("The working directory must exist, be a directory and be usable", "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  const std::string work = (dir / "work").string();
  DenyingProbe probe;
  probe.denied = {{work, W_OK}};
  CHECK(validation_problems(config, probe) ==
        Problems{"Working directory [" + work + "] is not writable."});
  probe.denied = {{work, X_OK}};
  CHECK(validation_problems(config, probe) ==
        Problems{"Working directory [" + work + "] is not executable."});
  probe.denied = {{work, R_OK}};
  CHECK(validation_problems(config, probe) ==
        Problems{"Working directory [" + work + "] is not readable."});

  fs::remove(work);
  CHECK(validation_problems(config) ==
        Problems{"Working directory [" + work + "] does not exist."});
  dir.write("work", "a file, not a directory");
  CHECK(validation_problems(config) ==
        Problems{"Working directory [" + work + "] is not a directory."});
}

TEST_CASE("The backup user and group must resolve", "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  config.options->backup_user = "no-such-user-cback";
  CHECK(validation_problems(config) ==
        Problems{"Backup user:group [no-such-user-cback:" + current_group() + "] invalid."});
  config.options->backup_user = current_user();
  config.options->backup_group = "no-such-group-cback";
  CHECK(validation_problems(config) ==
        Problems{"Backup user:group [" + current_user() + ":no-such-group-cback] invalid."});
}

TEST_CASE("Collect needs a writable target and readable directories", "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  const std::string target = (dir / "collect").string();
  const std::string source = (dir / "src").string();
  DenyingProbe probe;
  probe.denied = {{target, W_OK}, {source, W_OK}}; // a source need not be writable
  CHECK(validation_problems(config, probe) ==
        Problems{"Collect target directory [" + target + "] is not writable."});
  fs::remove(source);
  CHECK(validation_problems(config) ==
        Problems{"Collect directory [" + source + "] does not exist."});
}

TEST_CASE("Stage checks its directory and its own local peers only", "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  const std::string staging = (dir / "staging").string();
  const std::string peer = (dir / "peer").string();
  DenyingProbe probe;
  probe.denied = {{staging, W_OK}, {peer, R_OK}};
  CHECK(validation_problems(config, probe) ==
        Problems{"Stage target dir [" + staging + "] is not writable.",
                 "Local peer collect dir [" + peer + "] is not readable."});
}

TEST_CASE("Store needs a readable source directory", "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  config.store->source_dir = (dir / "missing").string();
  CHECK(validation_problems(config) ==
        Problems{"Store source directory [" + (dir / "missing").string() + "] does not exist."});
}

TEST_CASE("A stdio: pseudo-drive needs a writable directory", "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  const std::string images = (dir / "images").string() + "/";
  DenyingProbe probe;
  probe.denied = {{images, W_OK}};
  const std::string device = config.store->target_device;
  CHECK(validation_problems(config, probe) ==
        Problems{"Backup device [" + device + "] is not valid: directory [" + images +
                 "] is not writable."});
  config.store->target_device = "stdio:" + (dir / "nowhere" / "disc.iso").string();
  CHECK(validation_problems(config) ==
        Problems{"Backup device [" + config.store->target_device + "] is not valid: directory [" +
                 (dir / "nowhere").string() + "/] does not exist."});
}

TEST_CASE("A device path must exist and be writable", "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  const auto device = dir.write("dev-cdrw", "").string();
  config.store->target_device = device;
  CHECK(validation_problems(config) == Problems{});
  DenyingProbe probe;
  probe.denied = {{device, W_OK}};
  CHECK(validation_problems(config, probe) ==
        Problems{"Backup device [" + device + "] is not valid: it is not writable."});
  config.store->target_device = (dir / "no-device").string();
  CHECK(validation_problems(config) == Problems{"Backup device [" + config.store->target_device +
                                                "] is not valid: it does not exist."});
}

TEST_CASE("Purge directories must be writable", "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  const std::string purge = (dir / "purge").string();
  DenyingProbe probe;
  probe.denied = {{purge, W_OK}};
  CHECK(validation_problems(config, probe) ==
        Problems{"Purge directory [" + purge + "] is not writable."});
}

TEST_CASE("Every extension must be a built-in extension or a site module", "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  config::ExtendedAction known;
  known.name = "sysinfo";
  config::ExtendedAction legacy;
  legacy.name = "mine";
  legacy.module = "CedarBackup3.extend.mine";
  legacy.function = "executeAction";
  config::ExtendedAction unknown;
  unknown.name = "other";
  // A site's own module is looked up by the online checks (the Python
  // bridge), not here.
  config::ExtendedAction site;
  site.name = "ledger";
  site.module = "my.module";
  site.function = "run";
  config.extensions =
      config::Extensions{config::OrderMode::index, {known, legacy, unknown, site}, {}};
  CHECK(validation_problems(config) ==
        Problems{"Unable to find function [CedarBackup3.extend.mine.executeAction].",
                 "Extended action [other] is not a built-in extension of cback."});
}

TEST_CASE("Every problem is reported, section by section", "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  config.reference.reset();
  fs::remove(dir / "purge");
  fs::remove(dir / "work");
  const auto problems = validation_problems(config);
  REQUIRE(problems.size() == 2);
  CHECK_THAT(problems[0], Catch::StartsWith("Working directory ["));
  CHECK_THAT(problems[1], Catch::StartsWith("Purge directory ["));
}

TEST_CASE("A hook's program is found as the runner finds it: overrides, then the PATH",
          "[actions][validate]") {
  TempDir dir;
  auto config = valid_config(dir);
  config.options->pre_action_hooks.push_back({"collect", "sh -c true", {}});
  config.options->post_action_hooks.push_back({"purge", "site-tool \"an argument\"", {}});
  config.options->overrides.push_back({"site-tool", (dir / "site-tool").string(), {}});
  CHECK(validation_problems(config) ==
        Problems{"The post-action hook for action purge runs [" + (dir / "site-tool").string() +
                 "], which is not an executable file."});

  dir.write("site-tool", "#!/bin/sh\n");
  fs::permissions(dir / "site-tool", fs::perms::owner_all);
  CHECK(validation_problems(config) == Problems{});

  config.options->pre_action_hooks.push_back({"stage", "\"\"", {}});
  CHECK(validation_problems(config) ==
        Problems{"The pre-action hook for action stage has an empty command."});
}
