#pragma once

// The real S3 gateway of the tests (a one-node Ceph RADOS gateway started
// by tools/servers/ceph.sh) and the AWS CLI as an independent client of it.

#include "support/parts.hpp"
#include "support/run.hpp"

#include <fmt/format.h>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace cback::test {

struct Gateway {
  std::string endpoint;
  std::string access_key;
  std::string secret_key;
  std::string control; ///< tools/servers/ceph.sh
  std::string dir;

  /// The keys in the environment, no ~/.aws files: for cback and aws.
  [[nodiscard]] std::vector<std::string> key_env() const {
    return {"AWS_ACCESS_KEY_ID=" + access_key, "AWS_SECRET_ACCESS_KEY=" + secret_key,
            "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE=/nonexistent"};
  }

  /// Runs the AWS CLI against the gateway.
  [[nodiscard]] RunResult aws(std::vector<std::string> args) const {
    args.insert(args.begin(), {"/usr/bin/aws", "--endpoint-url", endpoint});
    RunOptions options;
    options.env = key_env();
    return run(args, options);
  }
};

/// The gateway, or nothing (reported as a skip, or a failure under CI)
/// when it or the AWS CLI is missing.
inline std::optional<Gateway> gateway() {
  const auto endpoint = part_env("CBACK_TEST_S3_ENDPOINT", "ceph");
  const auto access = part_env("CBACK_TEST_S3_ACCESS_KEY", "ceph");
  const auto secret = part_env("CBACK_TEST_S3_SECRET_KEY", "ceph");
  const auto control = part_env("CBACK_TEST_S3_CONTROL", "ceph");
  const auto dir = part_env("CBACK_TEST_S3_DIR", "ceph");
  if (!endpoint || !access || !secret || !control || !dir || !program_available("aws")) {
    return std::nullopt;
  }
  return Gateway{*endpoint, *access, *secret, *control, *dir};
}

/// A bucket name of its own for each test (S3 bucket names are global).
inline std::string new_bucket() {
  static std::atomic<int> count{0};
  return fmt::format("cback-{}-{}", ::getpid(), ++count);
}

} // namespace cback::test
