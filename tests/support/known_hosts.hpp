#pragma once

// known_hosts files for the tests that reach the test sshd with a host key
// that is not the one it presents.

#include "support/parts.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace cback::test {

/// Writes dir/changed_known_hosts: an entry for the test sshd's address
/// with another host key than its own (a fresh ed25519 key), as after a
/// host was reinstalled or a man in the middle. Returns its path.
inline std::filesystem::path changed_known_hosts(const TempDir& dir, const TestSshd& sshd) {
  const std::filesystem::path other_host_key = dir / "other_host";
  REQUIRE(std::system(fmt::format("ssh-keygen -q -t ed25519 -N '' -f '{}'", other_host_key.string())
                          .c_str()) == 0);
  const std::string other_pub = read_file(other_host_key.string() + ".pub");
  return dir.write("changed_known_hosts", fmt::format("[127.0.0.1]:{} {}", sshd.port,
                                                      other_pub.substr(0, other_pub.rfind(' '))));
}

} // namespace cback::test
