// The extensions that work on staged data (split, encrypt) through the real
// binary: a staging directory made by the test, a throw-away GPG keyring.

#include "support/parts.hpp"
#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

constexpr const char* k_recipient = "cback-test@example.org";

std::string content(std::size_t size, char seed) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    text[i] = static_cast<char>(seed + static_cast<char>(i % 13));
  }
  return text;
}

struct StagedPool : Pool {
  fs::path day = dir / "staging/2026/11/27";
  std::vector<std::string> env;

  /// Runs `action` with the extensions split and encrypt configured.
  RunResult run_action(const std::string& action, const std::string& recipient = k_recipient) {
    configure(extensions_table("encrypt", 299) + R"([[extensions.action]]
name = "split"
index = 298

)" + options_table(make_dir("work")) +
              local_stage_table(dir / "staging", "host", "/nonexistent") +
              fmt::format(R"([encrypt]
encrypt_mode = "gpg"
encrypt_target = "{}"

[split]
size_limit = "10 KB"
split_size = "4 KB"
)",
                          recipient));
    RunOptions options;
    options.env = env;
    return cback({action}, options);
  }
};

/// A keyring of its own with one key without passphrase; its agent is
/// stopped when the test ends.
struct Keyring {
  TempDir home;
  std::string variable = "GNUPGHOME=" + home.path().string();

  Keyring() {
    fs::permissions(home.path(), fs::perms::owner_all);
    const auto made = gpg({"--batch", "--passphrase", "", "--quick-gen-key", k_recipient,
                           "future-default", "default", "never"});
    REQUIRE(made.exit_code == 0);
  }
  ~Keyring() { run({"/usr/bin/gpgconf", "--kill", "gpg-agent"}, with_home()); }
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  RunOptions with_home() const {
    RunOptions options;
    options.env = {variable};
    return options;
  }
  RunResult gpg(std::vector<std::string> args) const {
    args.insert(args.begin(), "/usr/bin/gpg");
    return run(args, with_home());
  }
  std::string decrypt(const fs::path& file) const {
    const auto result = gpg({"--batch", "--quiet", "-d", file.string()});
    REQUIRE(result.exit_code == 0);
    return result.out;
  }
};

} // namespace

TEST_CASE("The split action cuts the big staged files and a second run changes nothing",
          "[extension][split]") {
  StagedPool pool;
  const std::string big = content(25 * 1024, 'a');
  pool.dir.write("staging/2026/11/27/host/big.tar", big);
  pool.dir.write("staging/2026/11/27/host/small.tar", content(10 * 1024, 'b'));

  const auto first = pool.run_action("split");
  REQUIRE(first.exit_code == 0);
  CHECK_FALSE(fs::exists(pool.day / "host/big.tar"));
  CHECK(
      read_file(pool.day / "host/big.tar_00000") + read_file(pool.day / "host/big.tar_00001") +
          read_file(pool.day / "host/big.tar_00002") + read_file(pool.day / "host/big.tar_00003") +
          read_file(pool.day / "host/big.tar_00004") + read_file(pool.day / "host/big.tar_00005") +
          read_file(pool.day / "host/big.tar_00006") ==
      big);
  CHECK_FALSE(fs::exists(pool.day / "host/big.tar_00007"));
  CHECK(fs::file_size(pool.day / "host/small.tar") == 10 * 1024);
  CHECK(fs::exists(pool.day / "cback.split"));

  pool.dir.write("staging/2026/11/27/host/late.tar", big);
  REQUIRE(pool.run_action("split").exit_code == 0);
  CHECK(fs::exists(pool.day / "host/late.tar"));
}

TEST_CASE("The encrypt action replaces staged files by copies that decrypt to the originals",
          "[extension][encrypt]") {
  CBACK_REQUIRE_PART(program_available("gpg") && program_available("gpgconf"));
  Keyring keyring;
  StagedPool pool;
  pool.env = {keyring.variable};
  const std::string tar = content(70'000, 'c');
  pool.dir.write("staging/2026/11/27/host/etc.tar.gz", tar);
  pool.dir.write("staging/2026/11/27/host/empty", "");
  pool.dir.write("staging/2026/11/27/host/cback.collect", "");
  pool.dir.write("staging/2026/11/27/cback.stage", "");

  const auto result = pool.run_action("encrypt");

  INFO(result.err << read_file(pool.dir / "cback.log"));
  REQUIRE(result.exit_code == 0);
  CHECK_FALSE(fs::exists(pool.day / "host/etc.tar.gz"));
  CHECK_FALSE(fs::exists(pool.day / "host/empty"));
  CHECK(keyring.decrypt(pool.day / "host/etc.tar.gz.gpg") == tar);
  CHECK(keyring.decrypt(pool.day / "host/empty.gpg").empty());
  CHECK(fs::exists(pool.day / "host/cback.collect"));
  CHECK_FALSE(fs::exists(pool.day / "host/cback.collect.gpg"));
  CHECK(fs::exists(pool.day / "cback.encrypt"));
}

TEST_CASE("Encrypt with an unknown recipient fails before any file is encrypted or removed",
          "[extension][encrypt]") {
  CBACK_REQUIRE_PART(program_available("gpg") && program_available("gpgconf"));
  Keyring keyring;
  StagedPool pool;
  pool.env = {keyring.variable};
  pool.dir.write("staging/2026/11/27/host/etc.tar.gz", "data");

  const auto result = pool.run_action("encrypt", "nobody@example.invalid");

  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains("nobody@example.invalid"));
  CHECK(read_file(pool.day / "host/etc.tar.gz") == "data");
  CHECK_FALSE(fs::exists(pool.day / "host/etc.tar.gz.gpg"));
  CHECK_FALSE(fs::exists(pool.day / "cback.encrypt"));
}

TEST_CASE("Encrypt after a run stopped between writing F.gpg and removing F encrypts F once",
          "[extension][encrypt]") {
  CBACK_REQUIRE_PART(program_available("gpg") && program_available("gpgconf"));
  Keyring keyring;
  StagedPool pool;
  pool.env = {keyring.variable};
  pool.dir.write("staging/2026/11/27/host/etc.tar.gz", "data");
  pool.dir.write("staging/2026/11/27/host/etc.tar.gz.gpg", "left by the stopped run");

  const auto result = pool.run_action("encrypt");

  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(keyring.decrypt(pool.day / "host/etc.tar.gz.gpg") == "data");
  CHECK_FALSE(fs::exists(pool.day / "host/etc.tar.gz"));
  CHECK_FALSE(fs::exists(pool.day / "host/etc.tar.gz.gpg.gpg"));
}

} // namespace cback::test
