#include "support/config_problems.hpp"

#include <cback/config/load.hpp>

#include <catch2/catch.hpp>

namespace config = cback::config;
using cback::test::listing;
using cback::test::test_data;

namespace {

config::Config load_or_fail(const std::filesystem::path& path) {
  try {
    return config::load(path);
  } catch (const config::InvalidConfig& error) {
    FAIL("unexpected problems:\n" << listing(error.problems()));
  }
  return {};
}

void check_reference_extensions_options(const config::Config& c) {
  REQUIRE(c.reference);
  CHECK(c.reference->author == "Jane Admin");
  CHECK(c.reference->revision == "7");
  CHECK(c.reference->description == "Every key & every section");
  CHECK(c.reference->generator == "hand");

  REQUIRE(c.extensions);
  CHECK(c.extensions->order_mode == config::OrderMode::dependency);
  REQUIRE(c.extensions->actions.size() == 2);
  const config::ExtendedAction& mysql = c.extensions->actions[0];
  CHECK(mysql.name == "mysql");
  CHECK(mysql.module == "CedarBackup3.extend.mysql");
  CHECK(mysql.function == "executeAction");
  CHECK(mysql.index == 99);
  REQUIRE(mysql.depends);
  CHECK(mysql.depends->run_before == std::vector<std::string>{"store", "purge"});
  CHECK(mysql.depends->run_after == std::vector<std::string>{"collect"});
  CHECK_FALSE(c.extensions->actions[1].index);
  CHECK(c.extensions->actions[1].depends == config::Dependencies{});

  REQUIRE(c.options);
  const config::Options& o = *c.options;
  CHECK(o.starting_day == config::Weekday::tuesday);
  CHECK(o.working_dir == "/var/lib/cback/work");
  CHECK(o.backup_user == "backup");
  CHECK(o.backup_group == "backup");
  CHECK(o.rcp_command == "/usr/bin/scp -O -B");
  CHECK(o.rsh_command == "/usr/bin/ssh");
  CHECK(o.cback_command == "/usr/bin/cback");
  CHECK(o.managed_actions == std::vector<std::string>{"collect", "purge"});
  CHECK(o.identity_file == "/etc/cback/id_ed25519");
  CHECK(o.known_hosts_file == "/etc/cback/known_hosts");
  REQUIRE(o.overrides.size() == 1);
  CHECK(o.overrides[0].command == "cdrecord");
  CHECK(o.overrides[0].abs_path == "/opt/bin/cdrecord");
  REQUIRE(o.pre_action_hooks.size() == 1);
  CHECK(o.pre_action_hooks[0].action == "collect");
  CHECK(o.pre_action_hooks[0].command == "echo \"before collect\"");
  REQUIRE(o.post_action_hooks.size() == 1);
  CHECK(o.post_action_hooks[0].action == "store");
  CHECK(o.post_action_hooks[0].command == "/usr/local/bin/notify stored");
}

void check_peers(const config::Config& c) {
  REQUIRE(c.peers);
  REQUIRE(c.peers->peers.size() == 2);
  const config::Peer& local = c.peers->peers[0];
  CHECK(local.name == "master");
  CHECK(local.type == config::PeerType::local);
  CHECK(local.collect_dir == "/var/backup/collect");
  CHECK(local.ignore_failures == config::IgnoreFailures::weekly);
  const config::Peer& remote = c.peers->peers[1];
  CHECK(remote.name == "client1");
  CHECK(remote.type == config::PeerType::remote);
  CHECK(remote.ignore_failures == config::IgnoreFailures::none);
  CHECK(remote.backup_user == "cbremote");
  CHECK(remote.rcp_command == "/usr/bin/scp -O");
  CHECK(remote.rsh_command == "/usr/bin/ssh -p 2222");
  CHECK(remote.cback_command == "/usr/local/bin/cback");
  CHECK(remote.managed);
  CHECK(remote.managed_actions == std::vector<std::string>{"collect"});
  CHECK(remote.host == "client1.example.org");
  CHECK(remote.port == 2222);
  CHECK(remote.identity_file == "/etc/cback/client1_key");
  CHECK(remote.known_hosts_file == "/etc/cback/client1_hosts");
}

void check_collect_stage(const config::Config& c) {
  REQUIRE(c.collect);
  const config::Collect& k = *c.collect;
  CHECK(k.collect_dir == "/var/backup/collect");
  CHECK(k.collect_mode == config::CollectMode::incr);
  CHECK(k.archive_mode == config::ArchiveMode::tarzst);
  CHECK(k.ignore_file == ".cbignore");
  CHECK(k.exclude.abs_path == std::vector<std::string>{"/var/cache", "/tmp"});
  CHECK(k.exclude.pattern == std::vector<std::string>{".*\\.o"});
  REQUIRE(k.files.size() == 2);
  CHECK(k.files[0].abs_path == "/etc/fstab");
  CHECK(k.files[0].collect_mode == config::CollectMode::weekly);
  CHECK(k.files[0].archive_mode == config::ArchiveMode::tar);
  CHECK(k.files[1].collect_mode == config::CollectMode::daily);
  CHECK_FALSE(k.files[1].archive_mode);
  REQUIRE(k.dirs.size() == 1);
  const config::CollectDir& d = k.dirs[0];
  CHECK(d.abs_path == "/home");
  CHECK(d.collect_mode == config::CollectMode::daily);
  CHECK(d.archive_mode == config::ArchiveMode::targz);
  CHECK(d.ignore_file == ".nobackup");
  CHECK(d.link_depth == 2);
  CHECK(d.dereference);
  CHECK(d.recursion_level == -1);
  CHECK(d.exclude.abs_path == std::vector<std::string>{"/home/tmp"});
  CHECK(d.exclude.rel_path == std::vector<std::string>{"cache", ".thumbnails"});
  CHECK(d.exclude.pattern == std::vector<std::string>{".*\\.iso"});

  REQUIRE(c.stage);
  CHECK(c.stage->staging_dir == "/var/backup/stage");
  REQUIRE(c.stage->peers.size() == 1);
  CHECK(c.stage->peers[0].name == "master");
}

void check_store_purge(const config::Config& c) {
  REQUIRE(c.store);
  const config::Store& s = *c.store;
  CHECK(s.source_dir == "/var/backup/stage");
  CHECK(s.media_type == config::MediaType::cdrw_80);
  CHECK(s.device_type == config::DeviceType::cdwriter);
  CHECK(s.target_device == "/dev/cdrw");
  CHECK(s.target_scsi_id == "ATA:1,0,0");
  CHECK(s.drive_speed == 4);
  CHECK(s.check_data);
  CHECK(s.check_media);
  CHECK_FALSE(s.warn_midnite);
  CHECK_FALSE(s.no_eject);
  CHECK(s.refresh_media_delay == 30);
  CHECK(s.eject_delay == 15);
  REQUIRE(s.blank_behavior);
  CHECK(s.blank_behavior->mode == config::BlankMode::weekly);
  CHECK(s.blank_behavior->factor == "1.3");

  REQUIRE(c.purge);
  REQUIRE(c.purge->dirs.size() == 2);
  CHECK(c.purge->dirs[0].abs_path == "/var/backup/stage");
  CHECK(c.purge->dirs[0].retain_days == 7);
  CHECK(c.purge->dirs[1].retain_days == 0);
}

void check_database_sections(const config::Config& c) {
  REQUIRE(c.mysql);
  CHECK(c.mysql->user == "dumper");
  CHECK(c.mysql->password == "s3cret");
  CHECK(c.mysql->compress_mode == config::CompressMode::gzip);
  CHECK_FALSE(c.mysql->all);
  CHECK(c.mysql->databases == std::vector<std::string>{"db1", "db2"});
  REQUIRE(c.postgresql);
  CHECK(c.postgresql->user == "postgres");
  CHECK(c.postgresql->compress_mode == config::CompressMode::zstd);
  CHECK(c.postgresql->all);
  CHECK(c.postgresql->databases.empty());
}

void check_subversion_mbox(const config::Config& c) {
  REQUIRE(c.subversion);
  CHECK(c.subversion->collect_mode == config::CollectMode::incr);
  CHECK(c.subversion->compress_mode == config::CompressMode::bzip2);
  REQUIRE(c.subversion->repositories.size() == 1);
  CHECK(c.subversion->repositories[0].abs_path == "/srv/svn/one");
  CHECK(c.subversion->repositories[0].collect_mode == config::CollectMode::daily);
  CHECK(c.subversion->repositories[0].compress_mode == config::CompressMode::none);
  CHECK(c.subversion->repositories[0].type == "FSFS");
  REQUIRE(c.subversion->repository_dirs.size() == 1);
  const config::SubversionRepositoryDir& dir = c.subversion->repository_dirs[0];
  CHECK(dir.abs_path == "/srv/svn/many");
  CHECK(dir.collect_mode == config::CollectMode::weekly);
  CHECK(dir.compress_mode == config::CompressMode::gzip);
  CHECK(dir.type == "BDB");
  CHECK(dir.exclude.rel_path == std::vector<std::string>{"old"});
  CHECK(dir.exclude.pattern == std::vector<std::string>{"test.*"});

  REQUIRE(c.mbox);
  CHECK(c.mbox->collect_mode == config::CollectMode::incr);
  CHECK(c.mbox->compress_mode == config::CompressMode::gzip);
  REQUIRE(c.mbox->files.size() == 1);
  CHECK(c.mbox->files[0].abs_path == "/var/mail/root");
  CHECK(c.mbox->files[0].collect_mode == config::CollectMode::daily);
  CHECK(c.mbox->files[0].compress_mode == config::CompressMode::bzip2);
  REQUIRE(c.mbox->dirs.size() == 1);
  CHECK(c.mbox->dirs[0].abs_path == "/home/jane/Mail");
  CHECK(c.mbox->dirs[0].collect_mode == config::CollectMode::weekly);
  CHECK(c.mbox->dirs[0].compress_mode == config::CompressMode::none);
  CHECK(c.mbox->dirs[0].exclude.rel_path == std::vector<std::string>{"spam"});
  CHECK(c.mbox->dirs[0].exclude.pattern == std::vector<std::string>{".*\\.bak"});
}

void check_staging_extension_sections(const config::Config& c) {
  REQUIRE(c.encrypt);
  CHECK(c.encrypt->encrypt_mode == "gpg");
  CHECK(c.encrypt->encrypt_target == "Backup User");
  REQUIRE(c.split);
  CHECK(c.split->size_limit.bytes == 250.0 * 1024 * 1024);
  CHECK(c.split->split_size.bytes == 100.0 * 1024 * 1024);
  REQUIRE(c.capacity);
  CHECK(c.capacity->max_percentage == "95.5");
  CHECK_FALSE(c.capacity->min_bytes);
  REQUIRE(c.amazons3);
  CHECK(c.amazons3->warn_midnite);
  CHECK(c.amazons3->s3_bucket == "example-bucket/backups");
  CHECK(c.amazons3->encrypt == "/usr/bin/gpg -c -o ${output} ${input}");
  REQUIRE(c.amazons3->full_size_limit);
  CHECK(c.amazons3->full_size_limit->bytes == 1.5 * 1024 * 1024 * 1024);
  CHECK(c.amazons3->full_size_limit->text == "1.5 GB");
  REQUIRE(c.amazons3->incr_size_limit);
  CHECK(c.amazons3->incr_size_limit->bytes == 700.0 * 1024 * 1024);
}

void check_full(const config::Config& c) {
  check_reference_extensions_options(c);
  check_peers(c);
  check_collect_stage(c);
  check_store_purge(c);
  check_database_sections(c);
  check_subversion_mbox(c);
  check_staging_extension_sections(c);
}

} // namespace

TEST_CASE("The full XML document binds every key of every section", "[config][xml]") {
  const config::Config c = load_or_fail(test_data("full.xml"));
  CHECK(c.path == test_data("full.xml").string());
  check_full(c);
}

TEST_CASE("The full TOML document binds every key of every section", "[config][toml]") {
  check_full(load_or_fail(test_data("full.toml")));
}

TEST_CASE("The XML document and its TOML twin give equal models", "[config][xml][toml]") {
  CHECK(load_or_fail(test_data("full.xml")) == load_or_fail(test_data("full.toml")));
}

TEST_CASE("Models that differ in one field compare unequal", "[config][model]") {
  const config::Config base = load_or_fail(test_data("full.toml"));
  config::Config other = base;
  other.path = "elsewhere";
  other.collect->where.loc.line = 1000;
  CHECK(base == other);
  other.collect->dirs[0].exclude.rel_path.pop_back();
  CHECK_FALSE(base == other);
  other = base;
  other.amazons3->incr_size_limit->bytes = 1;
  CHECK_FALSE(base == other);
  other = base;
  other.amazons3.reset();
  CHECK_FALSE(base == other);
}

TEST_CASE("The legacy <mode> of collect items is an alias of collect_mode and wins",
          "[config][xml]") {
  const config::Config c = load_or_fail(test_data("full.xml"));
  REQUIRE(c.collect->files.size() == 2);
  // <collect_mode>weekly</collect_mode> <mode>daily</mode>
  CHECK(c.collect->files[1].collect_mode == config::CollectMode::daily);
}

TEST_CASE("The format is detected by content, not by name", "[config][format]") {
  CHECK(config::detect_format("<?xml version='1.0'?><cb_config/>") == config::Format::xml);
  CHECK(config::detect_format("\n\n  <cb_config/>") == config::Format::xml);
  CHECK(config::detect_format("\xEF\xBB\xBF<cb_config/>") == config::Format::xml);
  CHECK(config::detect_format("# a comment\n  # another\n<cb_config/>") == config::Format::xml);
  CHECK(config::detect_format("[options]\n") == config::Format::toml);
  CHECK(config::detect_format("# <cb_config>\n[options]") == config::Format::toml);
  CHECK(config::detect_format("") == config::Format::toml);
  CHECK(config::detect_format("# only a comment") == config::Format::toml);
}

TEST_CASE("An XML file named .toml is still read as XML", "[config][format]") {
  const std::string xml = cback::test::read_text(test_data("full.xml"));
  CHECK(config::parse(xml, "misnamed.toml") == load_or_fail(test_data("full.toml")));
}

TEST_CASE("A missing file is an invalid configuration naming the file", "[config][load]") {
  try {
    (void)config::load("/nonexistent/cback.conf");
    FAIL("no error");
  } catch (const config::InvalidConfig& error) {
    CHECK(error.code() == cback::ExitCode::config);
    REQUIRE(error.problems().size() == 1);
    CHECK(error.problems()[0].where.file == "/nonexistent/cback.conf");
    CHECK(std::string(error.what()).find("No such file") != std::string::npos);
  }
}

TEST_CASE("An XML file declared as ISO-8859-1 is read as latin1", "[config][xml]") {
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
      "<cb_config><reference><author>Ren\xE9</author></reference>"
      "<options><starting_day>monday</starting_day><working_dir>/w</working_dir>"
      "<backup_user>u</backup_user><backup_group>g</backup_group>"
      "<rcp_command>scp</rcp_command></options>"
      "<purge/></cb_config>";
  CHECK(config::parse(xml, "latin1.xml").reference->author == "Ren\xC3\xA9");
  const std::string undeclared = "<cb_config><reference><author>Ren\xE9</author>";
  CHECK_THROWS_AS(config::parse(undeclared, "x.xml"), config::InvalidConfig);
}
