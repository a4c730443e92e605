#include <cback/s3/credentials.hpp>

#include <cback/core/error.hpp>
#include <cback/core/read_file.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

namespace cback::s3 {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_default_region = "us-east-1";

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// The file `variable` names, else `fallback` below home; std::nullopt when
// it does not exist (a missing file is no error: the keys may be elsewhere).
std::optional<IniFile> read_ini(const Environment& environment, std::string_view variable,
                                const fs::path& fallback) {
  const auto named = environment(variable);
  const fs::path path = named && !named->empty() ? fs::path(*named) : fallback;
  auto text = core::read_file(path);
  if (!text) {
    if (text.error() == std::errc::no_such_file_or_directory) {
      return std::nullopt;
    }
    throw Error(ExitCode::action,
                fmt::format("Cannot read [{}]: {}", path.string(), text.error().message()));
  }
  return parse_ini(*text, path.string());
}

const std::map<std::string, std::string>* section(const std::optional<IniFile>& file,
                                                  const std::string& name) {
  if (!file) {
    return nullptr;
  }
  const auto found = file->find(name);
  return found == file->end() ? nullptr : &found->second;
}

std::optional<std::string> value(const std::map<std::string, std::string>* keys,
                                 const std::string& key) {
  if (keys == nullptr) {
    return std::nullopt;
  }
  const auto found = keys->find(key);
  if (found == keys->end() || found->second.empty()) {
    return std::nullopt;
  }
  return found->second;
}

std::optional<std::string> first_of(const Environment& environment,
                                    std::initializer_list<std::string_view> variables) {
  for (const auto variable : variables) {
    if (auto found = environment(variable); found && !found->empty()) {
      return found;
    }
  }
  return std::nullopt;
}

// The profile's keys in the credentials file, else in the config file.
std::optional<Credentials>
profile_credentials(const std::map<std::string, std::string>* from_credentials,
                    const std::map<std::string, std::string>* from_config) {
  for (const auto* keys : {from_credentials, from_config}) {
    auto id = value(keys, "aws_access_key_id");
    auto secret = value(keys, "aws_secret_access_key");
    if (id && secret) {
      return Credentials{*id, *secret, value(keys, "aws_session_token").value_or("")};
    }
  }
  return std::nullopt;
}

} // namespace

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* found = std::getenv(std::string(name).c_str());
    return found == nullptr ? std::nullopt : std::optional<std::string>(found);
  };
}

fs::path aws_home(const std::optional<std::string>& backup_user, const Environment& environment) {
  if (::geteuid() == 0 && backup_user) {
    if (const passwd* user = ::getpwnam(backup_user->c_str());
        user != nullptr && user->pw_dir != nullptr) {
      return user->pw_dir;
    }
  }
  if (auto home = environment("HOME"); home && !home->empty()) {
    return *home;
  }
  if (const passwd* user = ::getpwuid(::geteuid()); user != nullptr && user->pw_dir != nullptr) {
    return user->pw_dir;
  }
  return "/";
}

IniFile parse_ini(std::string_view text, const std::string& origin) {
  IniFile file;
  std::string current;
  std::string block; // the key of an open `s3 =` block
  std::size_t number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view raw = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    if (line.front() == '[' && line.back() == ']') {
      current = std::string(trim(line.substr(1, line.size() - 2)));
      file[current];
      block.clear();
      continue;
    }
    const auto equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      throw Error(ExitCode::action,
                  fmt::format("{}:{}: expected [section] or key = value", origin, number));
    }
    const std::string key(trim(line.substr(0, equals)));
    const std::string value(trim(line.substr(equals + 1)));
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (indented && !block.empty()) {
      file[current][block + "." + key] = value;
      continue;
    }
    block = value.empty() ? key : std::string();
    file[current][key] = value;
  }
  return file;
}

Settings resolve_settings(const SettingsRequest& request, const Environment& environment) {
  const fs::path aws = request.home / ".aws";
  const auto credentials_file =
      read_ini(environment, "AWS_SHARED_CREDENTIALS_FILE", aws / "credentials");
  const auto config_file = read_ini(environment, "AWS_CONFIG_FILE", aws / "config");

  Settings settings;
  settings.profile = request.profile.value_or(
      first_of(environment, {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}).value_or("default"));
  const auto* from_credentials = section(credentials_file, settings.profile);
  const auto* from_config =
      section(config_file, settings.profile == "default" ? std::string("default")
                                                         : "profile " + settings.profile);

  // A configured profile wins over keys in the environment, as `aws --profile` does.
  const auto id = environment("AWS_ACCESS_KEY_ID");
  const auto secret = environment("AWS_SECRET_ACCESS_KEY");
  if (!request.profile && id && !id->empty() && secret && !secret->empty()) {
    settings.credentials = {*id, *secret, environment("AWS_SESSION_TOKEN").value_or("")};
  } else if (auto found = profile_credentials(from_credentials, from_config)) {
    settings.credentials = std::move(*found);
  } else {
    throw Error(ExitCode::action,
                fmt::format("No S3 credentials for profile [{}]: set AWS_ACCESS_KEY_ID and "
                            "AWS_SECRET_ACCESS_KEY, or give the profile aws_access_key_id and "
                            "aws_secret_access_key in the shared credentials file (default "
                            "[{}]).",
                            settings.profile, (aws / "credentials").string()));
  }

  settings.region =
      request.region
          ? *request.region
          : first_of(environment, {"AWS_REGION", "AWS_DEFAULT_REGION"})
                .value_or(value(from_config, "region").value_or(std::string(k_default_region)));
  if (request.endpoint_url) {
    settings.endpoint_url = request.endpoint_url;
  } else if (auto named = first_of(environment, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"})) {
    settings.endpoint_url = named;
  } else if (auto nested = value(from_config, "s3.endpoint_url")) {
    settings.endpoint_url = nested;
  } else {
    settings.endpoint_url = value(from_config, "endpoint_url");
  }
  return settings;
}

} // namespace cback::s3
