// validate checks what would fail at night on this machine, beyond the
// configuration alone: the programs of the hooks, the encrypt recipient in
// gpg's keyring, and every remote peer over SSH (reachable, host key known
// and unchanged, key accepted); --offline leaves out the last two.

#include "support/config_text.hpp"
#include "support/known_hosts.hpp"
#include "support/local_socket.hpp"
#include "support/parts.hpp"
#include "support/pool.hpp"
#include "support/text.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

struct ValidatePool : Pool {
  std::string options_extra; ///< whole lines added to [options]
  std::string sections;      ///< sections after [options] (a purge of one dir)

  RunResult validate(const Args& switches = {}, const RunOptions& options = {}) {
    configure(toml_head(make_dir("work"), options_extra) + purge_table(make_dir("purge")) +
              sections);
    Args arguments{"validate"};
    arguments.insert(arguments.end(), switches.begin(), switches.end());
    return cback(arguments, options);
  }
};

std::string remote_peer(const TestSshd& sshd, const std::string& name,
                        const std::string& known_hosts, const std::string& port = "") {
  return fmt::format("[[stage.peer]]\nname = '{}'\ntype = \"remote\"\ncollect_dir = '/c'\n"
                     "host = \"127.0.0.1\"\nport = {}\nidentity_file = '{}'\n"
                     "known_hosts_file = '{}'\n\n",
                     name, port.empty() ? sshd.port : port, sshd.key, known_hosts);
}

} // namespace

TEST_CASE("validate names each hook whose program is missing or not executable",
          "[integration][validate]") {
  ValidatePool pool;
  const fs::path not_executable = pool.dir.write("not-executable", "#!/bin/sh\n");
  fs::permissions(not_executable, fs::perms::owner_read | fs::perms::owner_write);
  pool.options_extra = pre_action_hook("collect", (pool.dir / "missing-hook").string()) +
                       pre_action_hook("purge", not_executable.string() + " --now") +
                       pre_action_hook("stage", "true") +
                       "\n[[options.post_action_hook]]\naction = \"store\"\n"
                       "command = 'cback-no-such-program --flag'\n";
  for (const Args& switches : {Args{}, Args{"--offline"}}) {
    const auto result = pool.validate(switches);
    INFO(result.out << result.err);
    CHECK(result.exit_code == 4);
    CHECK(contains(result.out, "The pre-action hook for action collect runs [" +
                                   (pool.dir / "missing-hook").string() +
                                   "], which is not an executable file."));
    CHECK(contains(result.out, "The pre-action hook for action purge runs [" +
                                   not_executable.string() +
                                   "], which is not an executable file."));
    CHECK(contains(result.out, "The post-action hook for action store runs "
                               "[cback-no-such-program], which is not an executable file on the "
                               "PATH."));
    CHECK_FALSE(contains(result.out, "action stage runs"));
    CHECK(contains(result.out, "Configuration is not valid."));
  }
}

TEST_CASE("validate and cback-config check agree that [reference] is optional",
          "[integration][validate]") {
  ValidatePool pool;
  pool.configure(options_table(pool.make_dir("work")) + purge_table(pool.make_dir("purge")));
  const auto validate = pool.cback({"validate"});
  INFO(validate.out << validate.err);
  CHECK(validate.exit_code == 0);
  CHECK(contains(validate.out, "Configuration is valid."));
  const auto check = run({cback_config_binary(), "check", pool.config.string()});
  CHECK(check.exit_code == 0);
}

TEST_CASE("validate fails when gpg's keyring has no key for the encrypt recipient",
          "[integration][validate][encrypt]") {
  CBACK_REQUIRE_PART(program_available("gpg"));
  ValidatePool pool;
  // A keyring of its own, empty: the recipient cannot resolve.
  const fs::path home = pool.make_dir("gnupg");
  fs::permissions(home, fs::perms::owner_all);
  RunOptions options;
  options.env = {"GNUPGHOME=" + home.string()};
  pool.sections = "[encrypt]\nencrypt_mode = \"gpg\"\nencrypt_target = \"nobody@example.org\"\n";
  const auto result = pool.validate({}, options);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 4);
  CHECK(contains(result.out, "GPG unable to find public key for [nobody@example.org]"));

  const auto offline = pool.validate({"--offline"}, options);
  INFO(offline.out << offline.err);
  CHECK(offline.exit_code == 0);
  CHECK_FALSE(contains(offline.out, "GPG"));
}

TEST_CASE("validate reaches every remote peer as stage does and names each that would fail",
          "[integration][validate][ssh]") {
  const auto sshd = test_sshd();
  CBACK_REQUIRE_PART(sshd);
  ValidatePool pool;
  const std::string empty_hosts = pool.dir.write("empty_known_hosts", "").string();
  const std::string changed_hosts = changed_known_hosts(pool.dir, *sshd).string();
  pool.sections =
      fmt::format("[stage]\nstaging_dir = '{}'\n\n", pool.make_dir("staging").string()) +
      remote_peer(*sshd, "good", sshd->known_hosts) + remote_peer(*sshd, "unknown", empty_hosts) +
      remote_peer(*sshd, "changed", changed_hosts) +
      remote_peer(*sshd, "down", sshd->known_hosts, std::to_string(free_port()));
  const auto result = pool.validate();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 4);
  CHECK(contains(result.out, "Peer [unknown]: the host key of"));
  CHECK(contains(result.out, "is unknown"));
  CHECK(contains(result.out, "Peer [changed]: WARNING: THE HOST KEY OF"));
  CHECK(contains(result.out, "Peer [down]:"));
  CHECK_FALSE(contains(result.out, "Peer [good]"));
  // validate changes nothing: the unknown key was not recorded.
  CHECK(read_file(empty_hosts).empty());

  const auto offline = pool.validate({"--offline"});
  INFO(offline.out << offline.err);
  CHECK(offline.exit_code == 0);
  CHECK_FALSE(contains(offline.out, "Peer ["));
}

} // namespace cback::test
