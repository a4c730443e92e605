// The amazons3 extension through the real binary against a real S3 gateway
// (a one-node Ceph RADOS gateway started by tools/servers/ceph.sh), with
// the AWS CLI as the independent reader of what was uploaded.

#include <cback/core/progress.hpp>

#include "support/parts.hpp"
#include "support/s3_gateway.hpp"
#include "support/store_pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace cback::test {
namespace {

constexpr const char* k_monday = "2026-11-23";
constexpr const char* k_tuesday = "2026-11-24";
constexpr const char* k_recipient = "cback-s3-test@example.org";

std::string pattern(std::size_t size, char seed) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    text[i] = static_cast<char>(seed + static_cast<char>((i * 7 + i / 4096) % 51));
  }
  return text;
}

struct S3Pool {
  Gateway gw;
  StorePool store;
  std::string bucket = new_bucket();
  std::string s3_extra; ///< more [amazons3] lines
  std::string secret;   ///< the secret cback is given
  std::vector<std::string> env;

  explicit S3Pool(Gateway g) : gw(std::move(g)), secret(gw.secret_key) {
    store.extensions = extensions_table("amazons3", 201);
  }

  [[nodiscard]] RunOptions aws_options() const {
    RunOptions options;
    options.env = gw.key_env();
    return options;
  }

  RunResult aws(std::vector<std::string> args) const { return gw.aws(std::move(args)); }

  void make_bucket() const { REQUIRE(aws({"s3", "mb", "s3://" + bucket}).exit_code == 0); }

  /// Writes `content` to `relative` below the staged day `day`.
  void stage_file(const fs::path& day, const std::string& relative,
                  const std::string& content) const {
    store.dir.write((day / relative).lexically_relative(store.dir.path()).string(), content);
  }

  /// Tuesday's staged day (stage_day), in a new bucket.
  fs::path bucket_and_day() const {
    make_bucket();
    return store.stage_day(k_tuesday, "tuesday");
  }

  /// Runs `cback amazons3` on `date` with the keys in the environment.
  RunResult upload(const std::string& date, const Args& switches = {}) {
    store.extra = fmt::format(R"([amazons3]
s3_bucket = "{}/pool"
endpoint_url = "{}"
region = "us-east-1"
part_size = "5 MB"
parallel_parts = 3
{}
)",
                              bucket, gw.endpoint, s3_extra);
    RunOptions options;
    options.env = {"CBACK_TODAY=" + std::string(date), "AWS_ACCESS_KEY_ID=" + gw.access_key,
                   "AWS_SECRET_ACCESS_KEY=" + secret, "AWS_CONFIG_FILE=/nonexistent",
                   "AWS_SHARED_CREDENTIALS_FILE=/nonexistent"};
    options.env.insert(options.env.end(), env.begin(), env.end());
    Args argv = switches;
    argv.emplace_back("amazons3");
    return run(cback_command(store.config(), store.dir / "cback.log", argv), options);
  }

  /// The object's bytes, downloaded by the AWS CLI.
  std::string download(const std::string& key) const {
    const fs::path target = store.dir / "downloaded";
    fs::remove(target);
    const auto result = aws({"s3", "cp", "s3://" + bucket + "/" + key, target.string()});
    REQUIRE(result.exit_code == 0);
    return read_file(target);
  }

  /// Everything below `prefix`, downloaded by the AWS CLI in one call into
  /// a new directory, which is returned.
  fs::path download_all(const std::string& prefix) const {
    const fs::path target = store.dir / "downloaded-all";
    fs::remove_all(target);
    const auto result =
        aws({"s3", "cp", "--recursive", "s3://" + bucket + "/" + prefix, target.string()});
    REQUIRE(result.exit_code == 0);
    return target;
  }

  /// A configuration for cback-amazons3-sync -c: [amazons3] naming the
  /// bucket and the gateway, then `extra` lines.
  [[nodiscard]] fs::path sync_config(const std::string& extra) const {
    const auto& dir = store.dir;
    return dir.write("sync.toml",
                     toml_head(dir / "work") +
                         local_stage_table(dir / "staging", "peer1", dir / "collect") +
                         fmt::format("[amazons3]\ns3_bucket = \"{}\"\nendpoint_url = \"{}\"\n{}",
                                     bucket, gw.endpoint, extra));
  }

  /// Runs cback-amazons3-sync -d with `switches` from store.dir/source to
  /// s3://BUCKET/`prefix`, logging to store.dir/sync.log, with the keys in
  /// the environment.
  [[nodiscard]] RunResult sync(const std::string& prefix, const Args& switches) const {
    Args argv{tool_binary("cback-amazons3-sync"), "-d", "-l", (store.dir / "sync.log").string()};
    argv.insert(argv.end(), switches.begin(), switches.end());
    argv.push_back((store.dir.path() / "source").string());
    argv.push_back("s3://" + bucket + "/" + prefix);
    return run(argv, aws_options());
  }

  /// Every key of the bucket, one a line, sorted (aws s3api list-objects-v2).
  std::string keys(const std::string& query = "Contents[].Key") const {
    const auto result =
        aws({"s3api", "list-objects-v2", "--bucket", bucket, "--query", query, "--output", "text"});
    REQUIRE(result.exit_code == 0);
    return result.out;
  }
};

} // namespace

TEST_CASE("A staged day is uploaded to the bucket and reads back byte for byte",
          "[extension][amazons3]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  S3Pool pool(*gw);
  const auto day = pool.bucket_and_day();
  const std::string big = pattern(12 * 1024 * 1024 + 5, 'a');
  pool.stage_file(day, "peer2/big archive.tar", big);
  pool.stage_file(day, "peer2/Grüße über.txt", "non-ASCII name\n");
  pool.stage_file(day, "peer2/empty", "");

  const auto result = pool.upload(k_tuesday, {"-d", "--perf"});
  INFO(result.err << pool.store.log());
  REQUIRE(result.exit_code == 0);
  CHECK(fs::exists(day / "cback.amazons3"));
  // --perf: the day's row, with every staged byte read and sent, and a rate.
  std::uint64_t staged = 0;
  for (const auto& entry : fs::recursive_directory_iterator(day)) {
    if (entry.is_regular_file() && !entry.path().filename().string().starts_with("cback.")) {
      staged += entry.file_size();
    }
  }
  CHECK(result.out.find("Performance of amazons3:") != std::string::npos);
  const auto row = result.out.find(day.string() + " ");
  REQUIRE(row != std::string::npos);
  std::istringstream columns(result.out.substr(row, result.out.find('\n', row) - row));
  std::string name, walk, write, in, in_unit, out, out_unit, rate;
  columns >> name >> walk >> write >> in >> in_unit >> out >> out_unit >> rate;
  const std::string shown = cback::core::display_bytes(static_cast<double>(staged));
  CHECK(in + " " + in_unit == shown);
  CHECK(out + " " + out_unit == shown);
  CHECK(std::stod(rate) > 0);

  const std::string prefix = "pool/2026/11/24/";
  const fs::path read_back = pool.download_all(prefix);
  CHECK(read_file(read_back / "peer1/etc.tar") == read_file(day / "peer1/etc.tar"));
  CHECK(read_file(read_back / "peer2/home-user.tar") == read_file(day / "peer2/home-user.tar"));
  CHECK(read_file(read_back / "peer2/big archive.tar") == big);
  CHECK(read_file(read_back / "peer2/Grüße über.txt") == "non-ASCII name\n");
  CHECK(read_file(read_back / "peer2/empty").empty());
  // Indicator files stay on the master; three parts of 5 MB give the
  // multipart ETag.
  const std::string listing = pool.keys("Contents[].[Key,ETag]");
  CHECK(listing.find("cback.") == std::string::npos);
  const auto big_line = listing.find(prefix + "peer2/big archive.tar");
  REQUIRE(big_line != std::string::npos);
  CHECK(listing.substr(big_line, listing.find('\n', big_line) - big_line).ends_with("-3\""));
  // The secret is in no log line, not even with -d.
  CHECK(pool.store.log().find(gw->secret_key) == std::string::npos);
  CHECK(result.out.find(gw->secret_key) == std::string::npos);
  CHECK(result.err.find(gw->secret_key) == std::string::npos);
}

TEST_CASE("A same-day re-run uploads nothing new and replaces what changed",
          "[extension][amazons3]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  S3Pool pool(*gw);
  const auto day = pool.bucket_and_day();
  REQUIRE(pool.upload(k_tuesday).exit_code == 0);

  // --full runs the day again although it is marked.
  const auto again = pool.upload(k_tuesday, {"--full"});
  INFO(again.err << pool.store.log());
  REQUIRE(again.exit_code == 0);
  CHECK(pool.store.log().find("Uploaded 0 object(s) (") != std::string::npos);
  CHECK(pool.store.log().find("; 2 already there.") != std::string::npos);

  // A file changed, one is gone: the new bytes replace the old object and
  // the gone file's object is deleted after the upload.
  pool.stage_file(day, "peer2/home-user.tar", "changed\n");
  fs::remove(day / "peer1/etc.tar");
  REQUIRE(pool.upload(k_tuesday, {"--full"}).exit_code == 0);
  CHECK(pool.download("pool/2026/11/24/peer2/home-user.tar") == "changed\n");
  CHECK(pool.keys().find("etc.tar") == std::string::npos);

  // Without --full, a marked day is not chosen again.
  const auto unmarked = pool.upload(k_tuesday);
  CHECK(unmarked.exit_code == 6);
}

TEST_CASE("A wrong secret fails with the server's 403, names it, and marks nothing",
          "[extension][amazons3]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  S3Pool pool(*gw);
  const auto day = pool.bucket_and_day();
  pool.secret = "wrong-" + gw->secret_key.substr(6);
  const auto result = pool.upload(k_tuesday, {"-d"});
  CHECK(result.exit_code == 6);
  CHECK(result.out.find("HTTP 403 SignatureDoesNotMatch") != std::string::npos);
  CHECK(result.out.find(pool.bucket) != std::string::npos);
  CHECK_FALSE(fs::exists(day / "cback.amazons3"));
  CHECK(pool.keys().find("etc.tar") == std::string::npos);
  CHECK(pool.store.log().find(pool.secret) == std::string::npos);
  CHECK(result.out.find(pool.secret) == std::string::npos);
}

TEST_CASE("A missing bucket fails naming it", "[extension][amazons3]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  S3Pool pool(*gw);
  const auto day = pool.store.stage_day(k_tuesday, "tuesday");
  const auto result = pool.upload(k_tuesday);
  CHECK(result.exit_code == 6);
  CHECK(result.out.find("HTTP 404 NoSuchBucket") != std::string::npos);
  CHECK(result.out.find(pool.bucket) != std::string::npos);
  CHECK_FALSE(fs::exists(day / "cback.amazons3"));
}

TEST_CASE("A day over the size limit fails before anything is uploaded", "[extension][amazons3]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  S3Pool pool(*gw);
  pool.make_bucket();
  pool.s3_extra = "full_size_limit = \"1 MB\"\nincr_size_limit = \"10 KB\"\n";
  const auto day = pool.store.stage_day(k_tuesday, "tuesday");
  const auto result = pool.upload(k_tuesday);
  CHECK(result.exit_code == 6);
  CHECK(result.out.find("exceeds the incremental size limit [10 KB]") != std::string::npos);
  CHECK_FALSE(fs::exists(day / "cback.amazons3"));
  CHECK(pool.keys().find("pool/") == std::string::npos);
  // Monday is the start of the week: the full limit applies, and it fits.
  pool.store.stage_day(k_monday, "monday");
  CHECK(pool.upload(k_monday).exit_code == 0);
}

TEST_CASE("A day whose stage failed for a peer is not uploaded", "[extension][amazons3]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  S3Pool pool(*gw);
  const auto day = pool.bucket_and_day();
  pool.stage_file(day, "cback.peers",
                  "cback-stage-status 1 2026-11-24\npeer failed 0 0 0 5 peer1\tboom\nend 1\n");
  const auto result = pool.upload(k_tuesday);
  CHECK(result.exit_code == 6);
  CHECK(result.out.find("its stage failed for peer(s) peer1") != std::string::npos);
  CHECK_FALSE(fs::exists(day / "cback.amazons3"));
}

TEST_CASE("Encrypted uploads stream through gpg and decrypt to the staged files",
          "[extension][amazons3]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  CBACK_REQUIRE_PART(program_available("gpg") && program_available("gpgconf"));
  TempDir home;
  fs::permissions(home.path(), fs::perms::owner_all);
  RunOptions gpg_env;
  gpg_env.env = {"GNUPGHOME=" + home.path().string()};
  REQUIRE(run({"/usr/bin/gpg", "--batch", "--passphrase", "", "--quick-gen-key", k_recipient,
               "future-default", "default", "never"},
              gpg_env)
              .exit_code == 0);

  S3Pool pool(*gw);
  pool.make_bucket();
  pool.env = gpg_env.env;
  pool.s3_extra = fmt::format("encrypt = \"/usr/bin/gpg --batch --yes --trust-model always -e -r "
                              "{} -o ${{output}} ${{input}}\"\n",
                              k_recipient);
  const auto day = pool.store.stage_day(k_tuesday, "tuesday");
  const std::string big = pattern(6 * 1024 * 1024, 'q');
  pool.stage_file(day, "peer2/big.tar", big);
  const auto result = pool.upload(k_tuesday);
  INFO(result.out << pool.store.log());
  REQUIRE(result.exit_code == 0);

  const fs::path read_back = pool.download_all("pool/2026/11/24");
  for (const std::string name : {"peer1/etc.tar", "peer2/big.tar"}) {
    const std::string encrypted = read_file(read_back / name);
    CHECK(encrypted != read_file(day / name));
    const fs::path file = pool.store.dir / "encrypted.gpg";
    pool.store.dir.write("encrypted.gpg", encrypted);
    const auto decrypted =
        run({"/usr/bin/gpg", "--batch", "--quiet", "-d", file.string()}, gpg_env);
    REQUIRE(decrypted.exit_code == 0);
    CHECK(decrypted.out == read_file(day / name));
  }
  // No temporary copy was written next to the staged files or in working_dir.
  for (const auto& entry : fs::recursive_directory_iterator(pool.store.dir / "work")) {
    CHECK(entry.path().filename() == "cback.lock");
  }
  for (const auto& entry : fs::recursive_directory_iterator(day)) {
    CHECK(entry.path().extension() != ".gpg");
  }

  // A re-run knows the encrypted objects by their staged file.
  REQUIRE(pool.upload(k_tuesday, {"--full"}).exit_code == 0);
  CHECK(pool.store.log().find("3 already there.") != std::string::npos);
  run({"/usr/bin/gpgconf", "--kill", "gpg-agent"}, gpg_env);
}

namespace {

/// The second gateway of the cluster, which only the fault test uses (the
/// other tests may run meanwhile): started here, stopped at the end.
struct FaultGateway {
  Gateway gw;
  explicit FaultGateway(Gateway g) : gw(std::move(g)) { REQUIRE(control("start-gateway") == 0); }
  ~FaultGateway() { control("stop-gateway"); }
  FaultGateway(const FaultGateway&) = delete;
  FaultGateway& operator=(const FaultGateway&) = delete;

  int control(const std::string& command) const {
    return run({"/bin/bash", gw.control, command, gw.dir, "fault"}).exit_code;
  }
};

} // namespace

TEST_CASE("A gateway that goes away during an upload leaves a day the re-run completes",
          "[extension][amazons3]") {
  auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  const auto fault_endpoint = part_env("CBACK_TEST_S3_FAULT_ENDPOINT", "ceph");
  CBACK_REQUIRE_PART(fault_endpoint);
  gw->endpoint = *fault_endpoint;
  const FaultGateway fault(*gw);
  S3Pool pool(*gw);
  pool.s3_extra = "bandwidth_limit = \"8 MB\"\n";
  const auto day = pool.bucket_and_day();
  const std::string big = pattern(40 * 1024 * 1024, 'k');
  pool.stage_file(day, "peer2/big.tar", big);

  // The upload takes about 5 s at 8 MB/s; the gateway stops after 2 s.
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    fault.control("stop-gateway");
  });
  const auto failed = pool.upload(k_tuesday);
  stopper.join();
  REQUIRE(fault.control("start-gateway") == 0);
  CHECK(failed.exit_code == 6);
  CHECK_FALSE(fs::exists(day / "cback.amazons3"));

  const auto resumed = pool.upload(k_tuesday, {"-d"});
  INFO(resumed.out << pool.store.log());
  REQUIRE(resumed.exit_code == 0);
  CHECK(pool.download("pool/2026/11/24/peer2/big.tar") == big);
  CHECK(fs::exists(day / "cback.amazons3"));
  CHECK(pool.store.log().find("Resuming the upload of") != std::string::npos);
  const auto uploads = pool.aws({"s3api", "list-multipart-uploads", "--bucket", pool.bucket,
                                 "--query", "Uploads[].Key", "--output", "text"});
  CHECK(uploads.out.find("big.tar") == std::string::npos);
}

TEST_CASE("cback-amazons3-sync uploads, deletes what is gone, and verifies", "[amazons3][sync]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  S3Pool pool(*gw);
  pool.make_bucket();
  const auto source = pool.store.dir.path() / "source";
  pool.store.dir.write("source/a.txt", "alpha\n");
  pool.store.dir.write("source/sub dir/b.bin", pattern(6 * 1024 * 1024, 'b'));
  pool.store.dir.write("source/Grüße.txt", "non-ASCII\n");
  RunOptions options = pool.aws_options();
  const std::string url = "s3://" + pool.bucket + "/mirror";
  const auto sync = [&](Args switches) {
    Args argv{tool_binary("cback-amazons3-sync"), "-l", (pool.store.dir / "sync.log").string(),
              "--endpoint-url", gw->endpoint};
    argv.insert(argv.end(), switches.begin(), switches.end());
    argv.push_back(source.string());
    argv.push_back(url);
    return run(argv, options);
  };

  const auto first = sync({});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  const fs::path read_back = pool.download_all("mirror");
  CHECK(read_file(read_back / "sub dir/b.bin") == read_file(source / "sub dir/b.bin"));
  CHECK(read_file(read_back / "Grüße.txt") == "non-ASCII\n");
  CHECK(sync({}).out.find("upload:") == std::string::npos); // nothing changed

  // -v finds a missing and a wrong-size object and changes nothing.
  REQUIRE(pool.aws({"s3", "rm", url + "/a.txt"}).exit_code == 0);
  pool.store.dir.write("other", "longer than before\n");
  REQUIRE(
      pool.aws({"s3", "cp", (pool.store.dir / "other").string(), url + "/Grüße.txt"}).exit_code ==
      0);
  const auto verified = sync({"-v"});
  CHECK(verified.exit_code == 6);
  const std::string logged = read_file(pool.store.dir / "sync.log");
  CHECK(logged.find(url + "/a.txt is missing") != std::string::npos);
  CHECK(logged.find(url + "/Grüße.txt has 19 bytes") != std::string::npos);

  // -u puts them back and keeps an object whose file is gone.
  fs::remove(source / "sub dir/b.bin");
  REQUIRE(sync({"-u"}).exit_code == 0);
  CHECK(pool.download("mirror/a.txt") == "alpha\n");
  CHECK(pool.keys().find("mirror/sub dir/b.bin") != std::string::npos);
  // --dry-run says it would delete it, and does not.
  const auto dry = sync({"--dry-run"});
  CHECK(dry.out.find("delete: " + url + "/sub dir/b.bin") != std::string::npos);
  CHECK(pool.keys().find("mirror/sub dir/b.bin") != std::string::npos);
  // Without -u it goes.
  REQUIRE(sync({}).exit_code == 0);
  CHECK(pool.keys().find("mirror/sub dir/b.bin") == std::string::npos);
  CHECK(read_file(pool.store.dir / "sync.log").find(gw->secret_key) == std::string::npos);
}

TEST_CASE("cback-amazons3-sync finds its keys where the extension does", "[amazons3][sync]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  S3Pool pool(*gw);
  pool.make_bucket();
  auto& dir = pool.store.dir;
  const auto source = dir.path() / "source";
  dir.write("source/a.txt", "alpha\n");
  const auto keys = fmt::format("aws_access_key_id = {}\naws_secret_access_key = {}\n",
                                gw->access_key, gw->secret_key);
  const auto home = dir.path() / "home";
  dir.write("home/.aws/credentials", "[default]\n" + keys);
  const auto empty_home = dir.path() / "empty-home";
  fs::create_directories(empty_home);
  const auto shared = dir.write("shared-credentials", "[night]\n" + keys);
  // No keys in the environment: each case names where they are.
  const auto sync = [&](const std::string& prefix, std::vector<std::string> env, Args switches) {
    RunOptions options;
    options.env = std::move(env); // first: they win over the defaults below
    options.env.insert(options.env.end(),
                       {"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=",
                        "AWS_SHARED_CREDENTIALS_FILE=", "AWS_CONFIG_FILE=/nonexistent",
                        "AWS_PROFILE=", "HOME=" + empty_home.string()});
    Args argv{tool_binary("cback-amazons3-sync"), "-l", (dir / "sync.log").string()};
    argv.insert(argv.end(), switches.begin(), switches.end());
    argv.push_back(source.string());
    argv.push_back("s3://" + pool.bucket + "/" + prefix);
    return run(argv, options);
  };
  const Args endpoint{"--endpoint-url", gw->endpoint};

  SECTION("the running user's ~/.aws") {
    const auto result = sync("home", {"HOME=" + home.string()}, endpoint);
    INFO(result.err << read_file(dir / "sync.log"));
    CHECK(result.exit_code == 0);
    CHECK(pool.keys().find("home/a.txt") != std::string::npos);
  }
  SECTION("AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE") {
    const auto result = sync(
        "named", {"AWS_SHARED_CREDENTIALS_FILE=" + shared.string(), "AWS_PROFILE=night"}, endpoint);
    INFO(result.err << read_file(dir / "sync.log"));
    CHECK(result.exit_code == 0);
    CHECK(pool.keys().find("named/a.txt") != std::string::npos);
  }
  SECTION("-c: the configuration's profile and endpoint_url") {
    const auto config = [&](const std::string& profile) {
      return pool.sync_config(fmt::format("profile = \"{}\"\n", profile));
    };
    // The configured profile wins over AWS_PROFILE, as in the extension.
    const std::vector<std::string> env{"AWS_SHARED_CREDENTIALS_FILE=" + shared.string(),
                                       "AWS_PROFILE=default"};
    const auto result = sync("configured", env, {"-c", config("night").string()});
    INFO(result.err << read_file(dir / "sync.log"));
    CHECK(result.exit_code == 0);
    CHECK(pool.keys().find("configured/a.txt") != std::string::npos);

    const auto missing = sync("missing", env, {"-c", config("absent").string()});
    CHECK(missing.exit_code == 6);
    CHECK(read_file(dir / "sync.log").find("No S3 credentials for profile [absent]") !=
          std::string::npos);
  }
  SECTION("no keys anywhere") {
    const auto result = sync("none", {}, endpoint);
    CHECK(result.exit_code == 6);
    CHECK(read_file(dir / "sync.log").find("No S3 credentials for profile [default]") !=
          std::string::npos);
  }
}

TEST_CASE("cback-amazons3-sync -c sends objects as the extension's settings say",
          "[amazons3][sync]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  S3Pool pool(*gw);
  pool.make_bucket();
  auto& dir = pool.store.dir;
  dir.write("source/big.bin", pattern(6 * 1024 * 1024, 'c'));
  const auto config =
      pool.sync_config("part_size = \"5 MB\"\nparallel_parts = 2\nbandwidth_limit = \"512 MB\"\n");
  const auto etag = [&](const std::string& key) {
    const auto result = pool.aws({"s3api", "head-object", "--bucket", pool.bucket, "--key", key,
                                  "--query", "ETag", "--output", "text"});
    REQUIRE(result.exit_code == 0);
    return result.out;
  };

  // 6 MiB in parts of 5 MiB: a multipart object of two parts.
  const auto configured = pool.sync("configured", {"-c", config.string()});
  INFO(configured.err << read_file(dir / "sync.log"));
  REQUIRE(configured.exit_code == 0);
  CHECK(etag("configured/big.bin").find("-2\"") != std::string::npos);
  const std::string logged = read_file(dir / "sync.log");
  CHECK(logged.find("parts of 5242880 bytes, 2 in flight") != std::string::npos);
  CHECK(logged.find("at most 536870912 bytes a second") != std::string::npos);
  // A second run plans with the same part size: the ETags match, nothing goes.
  CHECK(pool.sync("configured", {"-c", config.string()}).out.find("upload:") == std::string::npos);

  // Without -c, the default part size (8 MiB) makes it a single PUT.
  REQUIRE(pool.sync("default", {"--endpoint-url", gw->endpoint}).exit_code == 0);
  CHECK(etag("default/big.bin").find('-') == std::string::npos);
}

TEST_CASE("Small files packed into shared buffers each reach their own object intact",
          "[amazons3][sync]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  S3Pool pool(*gw);
  pool.make_bucket();
  auto& dir = pool.store.dir;
  // One buffer of 5 MiB: the small files fill it several times over, with
  // sizes on and off the packing alignment, an empty one, and a multipart
  // file among them that needs the buffer to itself.
  std::vector<std::pair<std::string, std::string>> files;
  const std::size_t sizes[] = {0, 1, 63, 64, 65, 4095, 4096, 100'000, 300'001, 1'000'000};
  for (int round = 0; round < 4; ++round) {
    for (std::size_t i = 0; i < std::size(sizes); ++i) {
      files.emplace_back(fmt::format("r{}/f{:02}", round, i),
                         pattern(sizes[i], static_cast<char>('A' + round + static_cast<int>(i))));
    }
    if (round == 1) {
      files.emplace_back("r1/g-big", pattern(6 * 1024 * 1024 + 3, 'z'));
    }
  }
  for (const auto& [name, content] : files) {
    dir.write("source/" + name, content);
  }
  const auto config = pool.sync_config("part_size = \"5 MB\"\nparallel_parts = 1\n");
  const auto first = pool.sync("packed", {"-c", config.string()});
  INFO(first.err << read_file(dir / "sync.log"));
  REQUIRE(first.exit_code == 0);
  // One buffer, yet several small PUTs in flight.
  CHECK(read_file(dir / "sync.log").find("1 in flight; up to 4 requests in flight") !=
        std::string::npos);
  const fs::path read_back = pool.download_all("packed");
  for (const auto& [name, content] : files) {
    INFO(name); // not the bytes: a mismatch of megabytes would flood the report
    CHECK((read_file(read_back / name) == content));
  }
  // The server's ETags are the files' MD5s: a second run finds nothing to send.
  CHECK(pool.sync("packed", {"-c", config.string()}).out.find("upload:") == std::string::npos);
}

TEST_CASE("cback-amazons3-sync prints the bytes sent on a terminal", "[amazons3][sync]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  CBACK_REQUIRE_PART(program_available("script"));
  S3Pool pool(*gw);
  pool.make_bucket();
  const auto source = pool.store.dir.path() / "source";
  pool.store.dir.write("source/big.bin", pattern(12 * 1024 * 1024, 'p'));
  pool.store.dir.write("source/small.txt", "small\n");
  // script(1) gives the program a terminal as its stdout.
  const std::string command =
      fmt::format("'{}' -l '{}' --endpoint-url '{}' '{}' 's3://{}/terminal'",
                  tool_binary("cback-amazons3-sync"), (pool.store.dir / "sync.log").string(),
                  gw->endpoint, source.string(), pool.bucket);
  const auto result = run({"/usr/bin/script", "-qec", command, "/dev/null"}, pool.aws_options());
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  // The progress line kept at the end counts every byte: 12 MiB and 6 bytes.
  CHECK(result.out.find("sent: 12.00 MiB of 12.00 MiB (100%)") != std::string::npos);

  // Without a terminal, no such line.
  const auto piped =
      run({tool_binary("cback-amazons3-sync"), "-l", (pool.store.dir / "sync.log").string(),
           "--endpoint-url", gw->endpoint, source.string(), "s3://" + pool.bucket + "/piped"},
          pool.aws_options());
  CHECK(piped.exit_code == 0);
  CHECK(piped.out.find("upload: big.bin") != std::string::npos);
  CHECK(piped.out.find("sent: ") == std::string::npos);
}

} // namespace cback::test
