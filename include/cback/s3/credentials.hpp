#pragma once

// Where the S3 client finds its keys, region and endpoint: the places the
// AWS CLI reads, so that a site that ran the original (which called `aws`)
// keeps working unchanged (docs/configuration.md, "amazons3").
//
// Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and
// AWS_SESSION_TOKEN) unless a profile is configured; otherwise the profile
// (the configured one, else AWS_PROFILE, else "default") in the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials),
// then in the config file (AWS_CONFIG_FILE, else ~/.aws/config, where it is
// `[profile NAME]`, or `[default]`). Region: configured, else AWS_REGION,
// AWS_DEFAULT_REGION, the profile's `region`, else us-east-1. Endpoint:
// configured, else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's
// `endpoint_url` (also under its `s3 =` block), else AWS itself.
//
// A secret is never put in a message: errors name the file, line and key.

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cback::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token; ///< empty when none
};

/// What a client needs to reach its service.
struct Settings {
  Credentials credentials;
  std::string region;
  std::optional<std::string> endpoint_url; ///< none: AWS itself
  std::string profile;                     ///< the profile the files were read for
};

/// What the configuration says (each optional) and whose files to read.
struct SettingsRequest {
  std::optional<std::string> profile;
  std::optional<std::string> region;
  std::optional<std::string> endpoint_url;
  std::filesystem::path home; ///< holds .aws/credentials and .aws/config
};

/// Looks up an environment variable (getenv in a run; a map in tests).
using Environment = std::function<std::optional<std::string>(std::string_view)>;

/// The process environment.
Environment process_environment();

/// The home whose .aws files apply: the backup user's when the program
/// runs as root and one is named (the original ran `aws` through su as that
/// user), else $HOME, else the effective user's home in the password file,
/// else "/".
std::filesystem::path aws_home(const std::optional<std::string>& backup_user,
                               const Environment& environment);

/// One INI file of the AWS CLI: section → key → value. A key whose value is
/// empty opens a nested block (`s3 =` then indented `key = value` lines),
/// kept as "s3.key". Comments (`#`, `;`) and blank lines are skipped.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;

/// Parses `text`, read from `origin` (for messages). Throws Error(action)
/// naming origin and line for a line that is neither a section, a key =
/// value line nor a comment; the line itself is never quoted (it may hold a
/// secret).
IniFile parse_ini(std::string_view text, const std::string& origin);

/// Resolves the settings as described above. Throws Error(action) when no
/// credentials are found, naming the places looked at.
Settings resolve_settings(const SettingsRequest& request, const Environment& environment);

} // namespace cback::s3
