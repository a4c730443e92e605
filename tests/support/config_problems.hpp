#pragma once

// Helpers shared by the configuration reader tests.

#include <cback/config/load.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace cback::test {

/// An [options] table that passes every check, for documents whose subject
/// is another table.
inline constexpr const char* k_toml_options = R"([options]
starting_day = "monday"
working_dir = "/tmp"
backup_user = "backup"
backup_group = "backup"
rcp_command = "/usr/bin/scp -B"
)";

/// k_toml_options as the XML <options> element.
inline constexpr const char* k_xml_options = R"(<options>
  <starting_day>monday</starting_day>
  <working_dir>/tmp</working_dir>
  <backup_user>backup</backup_user>
  <backup_group>backup</backup_group>
  <rcp_command>/usr/bin/scp -B</rcp_command>
</options>
)";

/// The problems parsing `content` reports; empty when it parses.
inline config::Problems problems_of(std::string_view content, const std::string& name) {
  try {
    (void)config::parse(content, name);
  } catch (const config::InvalidConfig& error) {
    return error.problems();
  }
  return {};
}

/// True if one problem is at exactly `where` ("f.xml:3" or "f.toml:3:7")
/// and its message contains `text`.
inline bool has_problem(const config::Problems& problems, std::string_view where,
                        std::string_view text) {
  for (const config::Problem& problem : problems) {
    if (problem.where.str() == where && problem.message.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

/// All problems, one per line, for failure messages.
inline std::string listing(const config::Problems& problems) {
  std::string text;
  for (const config::Problem& problem : problems) {
    text += problem.str() + "\n";
  }
  return text;
}

inline std::filesystem::path test_data(const std::string& name) {
  return std::filesystem::path(CBACK_SOURCE_DIR) / "tests/data/config" / name;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace cback::test
