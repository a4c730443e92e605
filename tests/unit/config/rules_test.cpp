#include <cback/config/rules.hpp>
#include <cback/extend/python_bridge.hpp>

#include "support/scoped_env.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string>

// The cross-field rules on models built in C++. Every element of the valid
// configuration below carries its own line number, so a test can check that
// a problem points at the element that caused it.

namespace cfg = cback::config;
using Catch::Matchers::Contains;

namespace {

constexpr const char* k_file = "rules.toml";

cfg::Where at(int line) {
  return cfg::Where{cfg::Location{k_file, line, 1}};
}

cfg::ExtendedAction action(std::string name, int index, int line) {
  cfg::ExtendedAction a;
  a.name = std::move(name);
  a.index = index;
  a.where = at(line);
  return a;
}

cfg::Peer local_peer(std::string name, int line) {
  cfg::Peer p;
  p.name = std::move(name);
  p.type = cfg::PeerType::local;
  p.collect_dir = "/var/backups/cback/collect";
  p.where = at(line);
  return p;
}

cfg::Peer remote_peer(std::string name, int line) {
  cfg::Peer p = local_peer(std::move(name), line);
  p.type = cfg::PeerType::remote;
  p.collect_dir = "/var/backups/cback/client-collect";
  return p;
}

void add_extensions(cfg::Config& c) {
  c.extensions = cfg::Extensions{};
  c.extensions->where = at(5);
  auto mysql = action("mysql", 96, 7);
  mysql.module = "CedarBackup3.extend.mysql";
  mysql.function = "executeAction";
  c.extensions->actions = {action("sysinfo", 95, 6),    mysql,
                           action("postgresql", 97, 8), action("subversion", 98, 9),
                           action("mbox", 99, 10),      action("encrypt", 299, 11),
                           action("split", 298, 12),    action("capacity", 300, 13),
                           action("amazons3", 201, 14)};
}

void add_core_sections(cfg::Config& c) {
  c.options = cfg::Options{};
  c.options->starting_day = cfg::Weekday::monday;
  c.options->working_dir = "/var/backups/cback/tmp";
  c.options->backup_user = "backup";
  c.options->backup_group = "backup";
  c.options->rcp_command = "/usr/bin/scp -B";
  c.options->rsh_command = "/usr/bin/ssh";
  c.options->cback_command = "/usr/bin/cback";
  c.options->where = at(20);

  c.peers = cfg::Peers{};
  c.peers->where = at(30);
  auto managed = remote_peer("client2", 33);
  managed.managed = true;
  managed.managed_actions = std::vector<std::string>{"collect", "purge"};
  c.peers->peers = {local_peer("master", 31), remote_peer("client1", 32), managed};

  c.collect = cfg::Collect{};
  c.collect->collect_dir = "/var/backups/cback/collect";
  c.collect->collect_mode = cfg::CollectMode::daily;
  c.collect->archive_mode = cfg::ArchiveMode::targz;
  c.collect->ignore_file = ".cbignore";
  c.collect->where = at(40);
  c.collect->files.push_back(cfg::CollectFile{"/root/.profile", {}, {}, at(41)});
  cfg::CollectDir etc;
  etc.abs_path = "/etc";
  etc.where = at(42);
  c.collect->dirs.push_back(etc);

  c.stage = cfg::Stage{"/var/backups/cback/stage", {}, at(50)};

  c.store = cfg::Store{};
  c.store->source_dir = "/var/backups/cback/stage";
  c.store->media_type = cfg::MediaType::dvd_plus_rw;
  c.store->device_type = cfg::DeviceType::dvdwriter;
  c.store->target_device = "/dev/dvd";
  c.store->blank_behavior = cfg::BlankBehavior{cfg::BlankMode::weekly, "1.3"};
  c.store->where = at(60);

  c.purge = cfg::Purge{{cfg::PurgeDir{"/var/backups/cback/stage", 7, at(71)}}, at(70)};
}

void add_extension_sections(cfg::Config& c) {
  c.mysql = cfg::MysqlConfig{};
  c.mysql->all = true;
  c.mysql->where = at(80);
  c.postgresql = cfg::PostgresqlConfig{};
  c.postgresql->databases = {"ledger", "wiki"};
  c.postgresql->where = at(81);
  c.subversion = cfg::SubversionConfig{};
  c.subversion->collect_mode = cfg::CollectMode::incr;
  c.subversion->compress_mode = cfg::CompressMode::bzip2;
  c.subversion->where = at(82);
  c.subversion->repositories.push_back(
      cfg::SubversionRepository{"/srv/svn/main", {}, {}, {}, at(83)});
  cfg::SubversionRepositoryDir svn_dir;
  svn_dir.abs_path = "/srv/svn/projects";
  svn_dir.where = at(84);
  c.subversion->repository_dirs.push_back(svn_dir);
  c.mbox = cfg::MboxConfig{};
  c.mbox->collect_mode = cfg::CollectMode::incr;
  c.mbox->compress_mode = cfg::CompressMode::gzip;
  c.mbox->where = at(85);
  c.mbox->files.push_back(cfg::MboxFile{"/var/mail/root", {}, {}, at(86)});
  cfg::MboxDir mail_dir;
  mail_dir.abs_path = "/home/anna/Mail";
  mail_dir.where = at(87);
  c.mbox->dirs.push_back(mail_dir);
  c.encrypt = cfg::EncryptConfig{"gpg", "Backup User", at(88)};
  c.split =
      cfg::SplitConfig{{"250 MB", 250.0 * 1024 * 1024}, {"100 MB", 100.0 * 1024 * 1024}, at(89)};
  c.capacity = cfg::CapacityConfig{"95.5", {}, at(90)};
  c.amazons3 = cfg::AmazonS3Config{};
  c.amazons3->s3_bucket = "example-backups/pool";
  c.amazons3->where = at(91);
}

/// Every section and every built-in extension, all of it valid.
cfg::Config valid_config() {
  cfg::Config c;
  c.path = k_file;
  c.reference = cfg::Reference{};
  c.reference->where = at(2);
  add_extensions(c);
  add_core_sections(c);
  add_extension_sections(c);
  return c;
}

cfg::Problems check(const cfg::Config& config) {
  cfg::Problems problems;
  cfg::check_rules(config, problems);
  return problems;
}

std::string all_of(const cfg::Problems& problems) {
  std::string text;
  for (const auto& problem : problems) {
    text += problem.str() + "\n";
  }
  return text;
}

/// Exactly one problem, at `line` (0 = the document), whose message holds `fragment`.
void require_one(const cfg::Config& config, int line, const std::string& fragment) {
  const cfg::Problems problems = check(config);
  INFO(all_of(problems));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].where == cfg::Location{k_file, line, line == 0 ? 0 : 1});
  CHECK_THAT(problems[0].message, Contains(fragment));
}

cfg::ExtendedAction& action_named(cfg::Config& c, const std::string& name) {
  auto& actions = c.extensions->actions;
  const auto found =
      std::find_if(actions.begin(), actions.end(), [&](const auto& a) { return a.name == name; });
  REQUIRE(found != actions.end());
  return *found;
}

} // namespace

TEST_CASE("A complete valid configuration has no problem", "[config][rules]") {
  const cfg::Problems problems = check(valid_config());
  INFO(all_of(problems));
  CHECK(problems.empty());
}

// ------------------------------------------------------------- document

TEST_CASE("A document needs one of collect, stage, store and purge", "[config][rules]") {
  cfg::Config c;
  c.path = k_file;
  c.options = valid_config().options;
  require_one(c, 0, "At least one of the collect, stage, store and purge sections is required.");

  c.purge = cfg::Purge{};
  CHECK(check(c).empty());
}

TEST_CASE("A document needs an options section", "[config][rules]") {
  cfg::Config c;
  c.path = k_file;
  c.purge = cfg::Purge{};
  require_one(c, 0, "The options section is required.");
}

TEST_CASE("An empty document reports both missing parts at once", "[config][rules]") {
  cfg::Config c;
  c.path = k_file;
  const cfg::Problems problems = check(c);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].where == cfg::Location{k_file, 0, 0});
  CHECK(problems[1].where == cfg::Location{k_file, 0, 0});
}

// ----------------------------------------------------------- extensions

TEST_CASE("Extension names must be unique", "[config][rules][extensions]") {
  cfg::Config c = valid_config();
  c.extensions->actions.push_back(action("mysql", 100, 15));
  require_one(c, 15, "Duplicate extension names exist: [mysql]");
}

TEST_CASE("In index mode every extended action needs an index", "[config][rules][extensions]") {
  cfg::Config c = valid_config();
  action_named(c, "split").index.reset();
  require_one(c, 12, "Each extended action must set an index, based on order mode");
}

TEST_CASE("In dependency mode every extended action needs depends, which may be empty",
          "[config][rules][extensions]") {
  cfg::Config c = valid_config();
  c.extensions->order_mode = cfg::OrderMode::dependency;
  for (auto& a : c.extensions->actions) {
    a.index.reset();
    a.depends = cfg::Dependencies{};
  }
  CHECK(check(c).empty());

  action_named(c, "encrypt").depends.reset();
  require_one(c, 11, "Each extended action must set dependency information, based on order mode");
}

TEST_CASE("A site's own Python module needs an XML configuration and Cedar Backup 3's library",
          "[config][rules][extensions]") {
  cfg::Config c = valid_config();
  auto& a = action_named(c, "sysinfo");
  a.module = "mysite.backup";
  a.function = "run";
  cback::test::TempDir library;
  cback::test::ScopedEnv env(cback::extend::k_cedar_library_env, library.path().c_str());
  SECTION("without the library the action is refused, pointing to the command extension") {
    c.format = cfg::Format::xml;
    require_one(c, 6, "module [mysite.backup] is not a built-in extension");
    CHECK_THAT(all_of(check(c)), Contains("Debian package cedar-backup3") &&
                                     Contains("command extension (see docs/configuration.md"));
  }
  SECTION("from TOML the action is refused, whatever is installed") {
    library.write("CedarBackup3/config.py", "");
    library.write("CedarBackup3/cli.py", "");
    require_one(c, 6, "from an XML configuration only");
    CHECK_THAT(all_of(check(c)), Contains("command extension"));
  }
  SECTION("from XML with the library installed the action is accepted") {
    if (::access(cback::extend::k_bridge_python, X_OK) != 0) {
      return; // the bridge's own test reports the missing interpreter
    }
    library.write("CedarBackup3/config.py", "");
    library.write("CedarBackup3/cli.py", "");
    c.format = cfg::Format::xml;
    CHECK(check(c).empty());
  }
}

TEST_CASE("An extended action must map to a built-in extension", "[config][rules][extensions]") {
  cfg::Config c = valid_config();
  SECTION("an unknown module of the original's package names the module and the function") {
    auto& a = action_named(c, "mysql");
    a.module = "CedarBackup3.extend.tape";
    a.function = "runIt";
    require_one(c, 7, "module [CedarBackup3.extend.tape] with function [runIt]");
  }
  SECTION("a legacy module with another function") {
    action_named(c, "mysql").function = "run";
    require_one(c, 7, "is not a built-in extension");
  }
  SECTION("a TOML action without module must be named after a built-in") {
    c.extensions->actions.push_back(action("tape", 400, 15));
    require_one(c, 15, "Extended action [tape] is not a built-in extension");
  }
  SECTION("a legacy module may give its action any name") {
    action_named(c, "mysql").name = "databases";
    CHECK(check(c).empty());
  }
}

TEST_CASE("A built-in extension whose section is missing is a problem at its action",
          "[config][rules][extensions]") {
  using Reset = std::function<void(cfg::Config&)>;
  const auto [name, line, reset, message] =
      GENERATE(std::make_tuple("mysql", 7, Reset([](cfg::Config& c) { c.mysql.reset(); }),
                               "Mysql section is required"),
               std::make_tuple("postgresql", 8, Reset([](cfg::Config& c) { c.postgresql.reset(); }),
                               "PostgreSQL section is required"),
               std::make_tuple("subversion", 9, Reset([](cfg::Config& c) { c.subversion.reset(); }),
                               "Subversion section is required"),
               std::make_tuple("mbox", 10, Reset([](cfg::Config& c) { c.mbox.reset(); }),
                               "Mbox section is required"),
               std::make_tuple("encrypt", 11, Reset([](cfg::Config& c) { c.encrypt.reset(); }),
                               "Encrypt section is required"),
               std::make_tuple("split", 12, Reset([](cfg::Config& c) { c.split.reset(); }),
                               "Split section is required"),
               std::make_tuple("capacity", 13, Reset([](cfg::Config& c) { c.capacity.reset(); }),
                               "Capacity section is required"),
               std::make_tuple("amazons3", 14, Reset([](cfg::Config& c) { c.amazons3.reset(); }),
                               "AmazonS3 section is required"));
  INFO(name);
  cfg::Config c = valid_config();
  reset(c);
  require_one(c, line, message);
}

TEST_CASE("An extension section is not required when no action uses it",
          "[config][rules][extensions]") {
  cfg::Config c = valid_config();
  c.extensions.reset();
  c.mysql.reset();
  c.capacity.reset();
  CHECK(check(c).empty());
}

TEST_CASE("A built-in extension needs the core section it works in",
          "[config][rules][extensions]") {
  cfg::Config c = valid_config();
  SECTION("capacity needs store") {
    c.store.reset();
    require_one(c, 13, "The store section is required (by extended action [capacity])");
  }
  SECTION("encrypt, split and amazons3 need stage") {
    c.stage.reset();
    const cfg::Problems problems = check(c);
    INFO(all_of(problems));
    REQUIRE(problems.size() == 3);
    CHECK(problems[0].where.line == 11);
    CHECK(problems[1].where.line == 12);
    CHECK(problems[2].where.line == 14);
    CHECK_THAT(problems[0].message, Contains("The stage section is required"));
  }
  SECTION("sysinfo and the collecting extensions need collect") {
    c.collect.reset();
    const cfg::Problems problems = check(c);
    INFO(all_of(problems));
    REQUIRE(problems.size() == 5);
    for (int i = 0; i < 5; ++i) {
      CHECK(problems[i].where.line == 6 + i);
      CHECK_THAT(problems[i].message, Contains("The collect section is required"));
    }
  }
}

// ---------------------------------------------------------------- peers

TEST_CASE("A peers section needs at least one peer", "[config][rules][peers]") {
  cfg::Config c = valid_config();
  c.peers->peers.clear();
  require_one(c, 30, "Peer list must contain at least one backup peer.");
}

TEST_CASE("Peer names must be unique", "[config][rules][peers]") {
  cfg::Config c = valid_config();
  c.peers->peers.push_back(remote_peer("client1", 34));
  require_one(c, 34, "Duplicate peer names exist: [client1]");
}

TEST_CASE("A remote peer needs a remote user and a copy command", "[config][rules][peers]") {
  cfg::Config c = valid_config();
  c.peers->peers[2].backup_user = "backup";
  c.peers->peers[2].rcp_command = "/usr/bin/scp -B";
  SECTION("no backup_user on the peer nor in options") {
    c.options->backup_user.reset();
    require_one(c, 32,
                "Remote peer [client1]: remote user must either be set in options section "
                "or individual remote peer.");
  }
  SECTION("no rcp_command on the peer nor in options") {
    c.options->rcp_command.reset();
    require_one(c, 32, "remote copy command must either be set in options section");
  }
  SECTION("the peer's own values are enough") {
    c.options->backup_user.reset();
    c.options->rcp_command.reset();
    c.peers->peers[1].backup_user = "backup";
    c.peers->peers[1].rcp_command = "/usr/bin/scp -B";
    CHECK(check(c).empty());
  }
}

TEST_CASE("A managed peer needs rsh, cback and managed actions", "[config][rules][peers]") {
  cfg::Config c = valid_config();
  SECTION("remote shell command") {
    c.options->rsh_command.reset();
    require_one(c, 33, "remote shell command must either be set in options section");
  }
  SECTION("cback command") {
    c.options->cback_command.reset();
    require_one(c, 33, "remote cback command must either be set in options section");
  }
  SECTION("an empty managed actions list is missing") {
    c.peers->peers[2].managed_actions = std::vector<std::string>{};
    require_one(c, 33, "managed actions list must be set in options section");
  }
  SECTION("managed actions from options") {
    c.peers->peers[2].managed_actions.reset();
    c.options->managed_actions = std::vector<std::string>{"collect"};
    CHECK(check(c).empty());
  }
  SECTION("an unmanaged remote peer needs none of them") {
    c.options->rsh_command.reset();
    c.options->cback_command.reset();
    c.peers->peers[2].managed = false;
    c.peers->peers[2].managed_actions.reset();
    CHECK(check(c).empty());
  }
}

TEST_CASE("A local peer must not carry remote-only fields", "[config][rules][peers]") {
  using Set = std::function<void(cfg::Peer&)>;
  const auto [key, set] = GENERATE(
      std::make_pair("backup_user", Set([](cfg::Peer& p) { p.backup_user = "backup"; })),
      std::make_pair("rcp_command", Set([](cfg::Peer& p) { p.rcp_command = "/usr/bin/scp"; })),
      std::make_pair("rsh_command", Set([](cfg::Peer& p) { p.rsh_command = "/usr/bin/ssh"; })),
      std::make_pair("cback_command",
                     Set([](cfg::Peer& p) { p.cback_command = "/usr/bin/cback"; })),
      std::make_pair("managed", Set([](cfg::Peer& p) { p.managed = true; })),
      std::make_pair("managed_actions",
                     Set([](cfg::Peer& p) { p.managed_actions = std::vector<std::string>{}; })),
      std::make_pair("host", Set([](cfg::Peer& p) { p.host = "master.example.org"; })),
      std::make_pair("port", Set([](cfg::Peer& p) { p.port = 2222; })),
      std::make_pair("identity_file", Set([](cfg::Peer& p) { p.identity_file = "/root/.ssh/id"; })),
      std::make_pair("known_hosts_file",
                     Set([](cfg::Peer& p) { p.known_hosts_file = "/root/.ssh/known_hosts"; })));
  cfg::Config c = valid_config();
  set(c.peers->peers[0]);
  require_one(c, 31, std::string("Local peer [master] cannot set ") + key + ":");
}

TEST_CASE("Staging needs peers in the stage section or in a peers section",
          "[config][rules][peers]") {
  cfg::Config c = valid_config();
  c.peers.reset();
  require_one(c, 50, "Peer list must contain at least one backup peer");

  c.stage->peers.push_back(local_peer("master", 51));
  CHECK(check(c).empty());
}

TEST_CASE("Peers listed in the stage section follow the peer rules", "[config][rules][peers]") {
  cfg::Config c = valid_config();
  c.stage->peers = {local_peer("master", 51), remote_peer("master", 52)};
  c.options->rcp_command.reset();
  const cfg::Problems problems = check(c);
  INFO(all_of(problems));
  // The stage list: a duplicate and a remote peer without a copy command;
  // the peers section: two remote peers without a copy command.
  REQUIRE(problems.size() == 4);
  CHECK(problems[0].where.line == 32);
  CHECK(problems[1].where.line == 33);
  CHECK(problems[2].where.line == 52);
  CHECK_THAT(problems[2].message, Contains("Duplicate peer names exist: [master]"));
  CHECK(problems[3].where.line == 52);
  CHECK_THAT(problems[3].message, Contains("remote copy command"));
}

// -------------------------------------------------------------- collect

TEST_CASE("Collect items take their modes from the item or the section",
          "[config][rules][collect]") {
  cfg::Config c = valid_config();
  c.collect->collect_mode.reset();
  c.collect->archive_mode.reset();
  c.collect->ignore_file.reset();
  const cfg::Problems problems = check(c);
  INFO(all_of(problems));
  REQUIRE(problems.size() == 5);
  CHECK(problems[0].where.line == 41);
  CHECK_THAT(problems[0].message,
             Contains("Collect mode must either be set in parent collect section or individual "
                      "collect file [/root/.profile]"));
  CHECK(problems[1].where.line == 41);
  CHECK_THAT(problems[1].message, Contains("Archive mode must either be set"));
  CHECK(problems[2].where.line == 42);
  CHECK_THAT(problems[2].message, Contains("individual collect directory [/etc]"));
  CHECK(problems[3].where.line == 42);
  CHECK(problems[4].where.line == 42);
  CHECK_THAT(problems[4].message, Contains("Ignore file must either be set"));

  c.collect->files[0].collect_mode = cfg::CollectMode::weekly;
  c.collect->files[0].archive_mode = cfg::ArchiveMode::tarzst;
  c.collect->dirs[0].collect_mode = cfg::CollectMode::incr;
  c.collect->dirs[0].archive_mode = cfg::ArchiveMode::tar;
  c.collect->dirs[0].ignore_file = ".nobackup";
  CHECK(check(c).empty());
}

TEST_CASE("Dereference needs a link depth of at least one", "[config][rules][collect]") {
  cfg::Config c = valid_config();
  c.collect->dirs[0].dereference = true;
  require_one(c, 42, "Dereference flag is only valid when a non-zero link depth is in use");

  c.collect->dirs[0].link_depth = 1;
  CHECK(check(c).empty());
}

TEST_CASE("Relative path excludes are not allowed at collect section level",
          "[config][rules][collect]") {
  cfg::Config c = valid_config();
  c.collect->dirs[0].exclude.rel_path = {"ssl/private"};
  CHECK(check(c).empty());

  c.collect->exclude.rel_path = {"ssl/private"};
  require_one(c, 40, "Relative path excludes (rel_path) are not allowed at collect section level");
}

// ---------------------------------------------------------------- store

TEST_CASE("The media type must fit the device type", "[config][rules][store]") {
  const auto [device, media, fits] =
      GENERATE(std::make_tuple(cfg::DeviceType::cdwriter, cfg::MediaType::cdr_74, true),
               std::make_tuple(cfg::DeviceType::cdwriter, cfg::MediaType::cdrw_80, true),
               std::make_tuple(cfg::DeviceType::cdwriter, cfg::MediaType::dvd_plus_r, false),
               std::make_tuple(cfg::DeviceType::dvdwriter, cfg::MediaType::dvd_plus_rw, true),
               std::make_tuple(cfg::DeviceType::dvdwriter, cfg::MediaType::dvd_minus_rw, true),
               std::make_tuple(cfg::DeviceType::dvdwriter, cfg::MediaType::cdrw_74, false),
               std::make_tuple(cfg::DeviceType::dvdwriter, cfg::MediaType::bd_r, false),
               std::make_tuple(cfg::DeviceType::bdwriter, cfg::MediaType::bd_re, true),
               std::make_tuple(cfg::DeviceType::bdwriter, cfg::MediaType::dvd_minus_r, false));
  cfg::Config c = valid_config();
  c.store->device_type = device;
  c.store->media_type = media;
  if (fits) {
    CHECK(check(c).empty());
  } else {
    require_one(c, 60, "Media type must match device type");
  }
}

TEST_CASE("A mismatched medium names the media the device takes", "[config][rules][store]") {
  cfg::Config c = valid_config();
  c.store->device_type = cfg::DeviceType::cdwriter;
  require_one(c, 60,
              "[dvd+rw] is not written by a cdwriter (it takes cdr-74, cdrw-74, cdr-80, "
              "cdrw-80)");
}

TEST_CASE("A blanking behaviour needs both mode and factor", "[config][rules][store]") {
  cfg::Config c = valid_config();
  SECTION("no mode") {
    c.store->blank_behavior->mode.reset();
    require_one(c, 60, "If blanking behavior is provided, all values must be filled in: mode");
  }
  SECTION("no factor") {
    c.store->blank_behavior->factor.reset();
    require_one(c, 60, "If blanking behavior is provided, all values must be filled in: factor");
  }
  SECTION("neither") {
    c.store->blank_behavior = cfg::BlankBehavior{};
    CHECK(check(c).size() == 2);
  }
  SECTION("none at all is fine") {
    c.store->blank_behavior.reset();
    CHECK(check(c).empty());
  }
}

TEST_CASE("The blanking factor is a number of at least zero", "[config][rules][store]") {
  cfg::Config c = valid_config();
  for (const char* good : {"0", "1.3", " 7 ", "+2.5", "1e1"}) {
    c.store->blank_behavior->factor = good;
    INFO(good);
    CHECK(check(c).empty());
  }
  for (const char* bad : {"-1", "abc", "", "1.5x", "nan", "inf", "+-1"}) {
    c.store->blank_behavior->factor = bad;
    INFO(bad);
    require_one(c, 60, "Blanking factor must be a number of at least 0");
  }
}

TEST_CASE("A SCSI id with a DVD writer is left for the run to warn about",
          "[config][rules][store]") {
  cfg::Config c = valid_config();
  c.store->target_scsi_id = "0,0,0";
  CHECK(check(c).empty());
}

// --------------------------------------------------- extension sections

TEST_CASE("Database dumps take all databases or a list, not both", "[config][rules][mysql]") {
  cfg::Config c = valid_config();
  SECTION("mysql all with databases") {
    c.mysql->databases = {"crm"};
    require_one(c, 80, "Databases cannot be specified if 'all' flag is set.");
  }
  SECTION("mysql neither") {
    c.mysql->all = false;
    require_one(c, 80, "At least one MySQL database must be indicated if 'all' flag is not set.");
  }
  SECTION("postgresql all with databases") {
    c.postgresql->all = true;
    require_one(c, 81, "Databases cannot be specified if 'all' flag is set.");
  }
  SECTION("postgresql neither") {
    c.postgresql->databases.clear();
    require_one(c, 81,
                "At least one PostgreSQL database must be indicated if 'all' flag is not set.");
  }
}

TEST_CASE("Subversion needs a repository, each with both modes", "[config][rules][subversion]") {
  cfg::Config c = valid_config();
  SECTION("no repository at all") {
    c.subversion->repositories.clear();
    c.subversion->repository_dirs.clear();
    require_one(c, 82, "At least one Subversion repository must be configured.");
  }
  SECTION("a repository dir alone is enough") {
    c.subversion->repositories.clear();
    CHECK(check(c).empty());
  }
  SECTION("modes missing on items and section") {
    c.subversion->collect_mode.reset();
    c.subversion->repositories[0].compress_mode = cfg::CompressMode::zstd;
    c.subversion->repository_dirs[0].collect_mode = cfg::CollectMode::weekly;
    const cfg::Problems problems = check(c);
    INFO(all_of(problems));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].where.line == 83);
    CHECK_THAT(problems[0].message,
               Contains("Collect mode must either be set in parent section or individual "
                        "repository [/srv/svn/main]"));
    c.subversion->repositories[0].collect_mode = cfg::CollectMode::daily;
    c.subversion->compress_mode.reset();
    require_one(c, 84,
                "Compress mode must either be set in parent section or repository directory "
                "[/srv/svn/projects]");
  }
}

TEST_CASE("Mbox needs a file or dir, each with both modes", "[config][rules][mbox]") {
  cfg::Config c = valid_config();
  SECTION("nothing to back up") {
    c.mbox->files.clear();
    c.mbox->dirs.clear();
    require_one(c, 85, "At least one mbox file or directory must be configured.");
  }
  SECTION("modes missing") {
    c.mbox->collect_mode.reset();
    c.mbox->compress_mode.reset();
    c.mbox->files[0].collect_mode = cfg::CollectMode::daily;
    c.mbox->dirs[0].compress_mode = cfg::CompressMode::none;
    const cfg::Problems problems = check(c);
    INFO(all_of(problems));
    REQUIRE(problems.size() == 2);
    CHECK(problems[0].where.line == 86);
    CHECK_THAT(problems[0].message,
               Contains("Compress mode must either be set in parent mbox section or individual "
                        "mbox file [/var/mail/root]"));
    CHECK(problems[1].where.line == 87);
    CHECK_THAT(problems[1].message,
               Contains("Collect mode must either be set in parent mbox section or individual "
                        "mbox directory [/home/anna/Mail]"));
  }
}

TEST_CASE("Encryption is gpg to a named recipient", "[config][rules][encrypt]") {
  cfg::Config c = valid_config();
  SECTION("another mode") {
    c.encrypt->encrypt_mode = "age";
    require_one(c, 88, "Encrypt mode must be one of ['gpg'], not [age].");
  }
  SECTION("no mode") {
    c.encrypt->encrypt_mode.clear();
    require_one(c, 88, "Encrypt mode must be set.");
  }
  SECTION("no target") {
    c.encrypt->encrypt_target.clear();
    require_one(c, 88, "Encrypt target must be set.");
  }
}

TEST_CASE("Split sizes are greater than zero", "[config][rules][split]") {
  cfg::Config c = valid_config();
  c.split->size_limit = cfg::ByteQuantity{"0", 0.0};
  require_one(c, 89, "Size limit must be greater than zero.");
  c.split->size_limit = cfg::ByteQuantity{"1 GB", 1024.0 * 1024 * 1024};
  c.split->split_size = cfg::ByteQuantity{"0 MB", 0.0};
  require_one(c, 89, "Split size must be greater than zero.");
}

TEST_CASE("Capacity takes exactly one of a percentage and a byte count",
          "[config][rules][capacity]") {
  cfg::Config c = valid_config();
  SECTION("neither") {
    c.capacity->max_percentage.reset();
    require_one(c, 90, "Must provide either max percentage or min bytes.");
  }
  SECTION("both") {
    c.capacity->min_bytes = cfg::ByteQuantity{"1 GB", 1024.0 * 1024 * 1024};
    require_one(c, 90, "Must provide either max percentage or min bytes, but not both.");
  }
  SECTION("bytes alone") {
    c.capacity->max_percentage.reset();
    c.capacity->min_bytes = cfg::ByteQuantity{"500 MB", 500.0 * 1024 * 1024};
    CHECK(check(c).empty());
  }
  SECTION("a percentage from 0 to 100") {
    for (const char* good : {"0", "100", "99.5"}) {
      c.capacity->max_percentage = good;
      CHECK(check(c).empty());
    }
    for (const char* bad : {"100.1", "-3", "lots"}) {
      c.capacity->max_percentage = bad;
      INFO(bad);
      require_one(c, 90, "Percentage must be a positive value from 0.0 to 100.0");
    }
  }
}

TEST_CASE("Amazon S3 needs a bucket and limits of at least zero", "[config][rules][amazons3]") {
  cfg::Config c = valid_config();
  SECTION("no bucket") {
    c.amazons3->s3_bucket.clear();
    require_one(c, 91, "AmazonS3 s3Bucket must be set.");
  }
  SECTION("negative limits") {
    c.amazons3->full_size_limit = cfg::ByteQuantity{"-1", -1.0};
    c.amazons3->incr_size_limit = cfg::ByteQuantity{"-1", -1.0};
    CHECK(check(c).size() == 2);
  }
  SECTION("zero limits") {
    c.amazons3->full_size_limit = cfg::ByteQuantity{"0", 0.0};
    c.amazons3->incr_size_limit = cfg::ByteQuantity{"0", 0.0};
    CHECK(check(c).empty());
  }
}

TEST_CASE("Every violation is reported, not only the first", "[config][rules]") {
  cfg::Config c = valid_config();
  c.extensions->actions.push_back(action("mysql", 1, 15));       // duplicate
  c.options->rcp_command.reset();                                // two remote peers
  c.collect->dirs[0].dereference = true;                         // link depth 0
  c.store->media_type = cfg::MediaType::bd_r;                    // not for a dvdwriter
  c.encrypt->encrypt_target.clear();                             // no recipient
  c.capacity->min_bytes = cfg::ByteQuantity{"1 GB", 1073741824}; // both limits
  const cfg::Problems problems = check(c);
  INFO(all_of(problems));
  CHECK(problems.size() == 7);
}
