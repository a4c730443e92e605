#pragma once

#include <cback/config/location.hpp>
#include <cback/config/model.hpp>
#include <cback/core/error.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace cback::config {

inline constexpr const char* k_default_config_path = "/etc/cback.conf";

/// Decides by content, not by name: a document whose first non-blank,
/// non-comment text starts with '<' is the legacy XML; anything else TOML.
Format detect_format(std::string_view content);

/// The configuration was unreadable or invalid. Carries every problem found;
/// what() is all of them, one per line. Exit code 4.
class InvalidConfig : public Error {
public:
  explicit InvalidConfig(Problems problems);
  [[nodiscard]] const Problems& problems() const noexcept { return m_problems; }

private:
  Problems m_problems;
};

/// Parses `content` (either format) and runs the load-time validation of
/// every section, including extension sections. `name` is used in
/// locations. Throws InvalidConfig listing every problem.
Config parse(std::string_view content, const std::string& name);

/// Reads `path` and parses it. A missing or unreadable file is InvalidConfig.
Config load(const std::filesystem::path& path);

/// The TOML equivalent of `config` (what `cback-config convert` prints).
/// parse(to_toml(c)) == c for every valid c.
std::string to_toml(const Config& config);

/// The legacy XML equivalent of `config` (`cback-config convert --to xml`,
/// for going back to Cedar Backup 3). parse(to_xml(c)) == c for every
/// valid c.
std::string to_xml(const Config& config);

} // namespace cback::config
