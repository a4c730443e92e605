#include <cback/core/error.hpp>
#include <cback/s3/credentials.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <pwd.h>
#include <unistd.h>

namespace cback::s3 {
namespace {

Environment environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto found = values.find(std::string(name));
    return found == values.end() ? std::nullopt : std::optional<std::string>(found->second);
  };
}

constexpr const char* k_credentials = R"(# keys
[default]
aws_access_key_id = DEFAULTKEY
aws_secret_access_key = default/secret

[backup]
aws_access_key_id=BACKUPKEY
aws_secret_access_key=backup+secret
aws_session_token = token
)";

constexpr const char* k_config = R"([default]
region = eu-west-1

[profile backup]
region = eu-central-1
s3 =
  endpoint_url = http://127.0.0.1:7480
)";

struct AwsHome {
  test::TempDir home;
  AwsHome() {
    home.write(".aws/credentials", k_credentials);
    home.write(".aws/config", k_config);
  }
  SettingsRequest request() const {
    SettingsRequest request;
    request.home = home.path();
    return request;
  }
};

} // namespace

TEST_CASE("Keys in the environment come first, then the default profile", "[s3][credentials]") {
  const AwsHome aws;
  const auto from_env =
      resolve_settings(aws.request(), environment({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                                                   {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                                   {"AWS_SESSION_TOKEN", "env-token"}}));
  CHECK(from_env.credentials.access_key_id == "ENVKEY");
  CHECK(from_env.credentials.secret_access_key == "env-secret");
  CHECK(from_env.credentials.session_token == "env-token");
  CHECK(from_env.region == "eu-west-1");
  CHECK_FALSE(from_env.endpoint_url);

  const auto from_file = resolve_settings(aws.request(), environment({}));
  CHECK(from_file.credentials.access_key_id == "DEFAULTKEY");
  CHECK(from_file.credentials.secret_access_key == "default/secret");
  CHECK(from_file.credentials.session_token.empty());
}

TEST_CASE("A profile gives its keys, region and nested s3 endpoint", "[s3][credentials]") {
  const AwsHome aws;
  const auto by_variable =
      resolve_settings(aws.request(), environment({{"AWS_PROFILE", "backup"}}));
  CHECK(by_variable.profile == "backup");
  CHECK(by_variable.credentials.access_key_id == "BACKUPKEY");
  CHECK(by_variable.credentials.secret_access_key == "backup+secret");
  CHECK(by_variable.credentials.session_token == "token");
  CHECK(by_variable.region == "eu-central-1");
  CHECK(by_variable.endpoint_url == "http://127.0.0.1:7480");

  // A configured profile wins over keys in the environment; configured
  // region and endpoint win over everything.
  auto request = aws.request();
  request.profile = "backup";
  request.region = "us-west-2";
  request.endpoint_url = "https://s3.example.org";
  const auto configured = resolve_settings(request, environment({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                                                                 {"AWS_SECRET_ACCESS_KEY", "x"},
                                                                 {"AWS_REGION", "ap-south-1"}}));
  CHECK(configured.credentials.access_key_id == "BACKUPKEY");
  CHECK(configured.region == "us-west-2");
  CHECK(configured.endpoint_url == "https://s3.example.org");
}

TEST_CASE("The files the variables name replace ~/.aws", "[s3][credentials]") {
  const AwsHome aws;
  test::TempDir other;
  const auto credentials =
      other.write("keys", "[default]\naws_access_key_id = OTHER\naws_secret_access_key = s\n");
  const auto config = other.write("config", "[default]\nendpoint_url = http://other:1\n");
  const auto settings = resolve_settings(
      aws.request(), environment({{"AWS_SHARED_CREDENTIALS_FILE", credentials.string()},
                                  {"AWS_CONFIG_FILE", config.string()},
                                  {"AWS_DEFAULT_REGION", "sa-east-1"}}));
  CHECK(settings.credentials.access_key_id == "OTHER");
  CHECK(settings.region == "sa-east-1");
  CHECK(settings.endpoint_url == "http://other:1");
}

TEST_CASE("Missing keys and broken files are errors that never quote a secret",
          "[s3][credentials]") {
  test::TempDir empty;
  SettingsRequest request;
  request.home = empty.path();
  CHECK_THROWS_WITH(resolve_settings(request, environment({})),
                    Catch::Contains("No S3 credentials for profile [default]"));

  const std::string broken = "[default]\naws_secret_access_key VERYSECRET\n";
  try {
    parse_ini(broken, "/home/backup/.aws/credentials");
    FAIL("a line without = was accepted");
  } catch (const Error& error) {
    const std::string message = error.what();
    CHECK(message.find("/home/backup/.aws/credentials:2") != std::string::npos);
    CHECK(message.find("VERYSECRET") == std::string::npos);
    CHECK(error.code() == ExitCode::action);
  }
}

TEST_CASE("The .aws home is the backup user's for root, else $HOME, else the password file's",
          "[s3][credentials]") {
  CHECK(aws_home(std::nullopt, environment({{"HOME", "/home/given"}})) == "/home/given");
  // An unknown backup user changes nothing.
  CHECK(aws_home("no-such-user-cback", environment({{"HOME", "/home/given"}})) == "/home/given");
  const passwd* self = ::getpwuid(::geteuid());
  REQUIRE(self != nullptr);
  CHECK(aws_home(std::nullopt, environment({})) == self->pw_dir);
  if (::geteuid() == 0) {
    // Root reads the backup user's files, as the original's `su USER -c aws` did.
    const passwd* daemon = ::getpwnam("daemon");
    REQUIRE(daemon != nullptr);
    CHECK(aws_home("daemon", environment({{"HOME", "/root"}})) == daemon->pw_dir);
  } else {
    // Anyone else reads their own, whatever the configuration names.
    CHECK(aws_home(self->pw_name, environment({{"HOME", "/home/given"}})) == "/home/given");
  }
}

} // namespace cback::s3
