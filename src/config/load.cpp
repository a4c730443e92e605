#include <cback/config/load.hpp>
#include <cback/config/readers.hpp>
#include <cback/config/rules.hpp>
#include <cback/config/schema.hpp>

#include "schemas.hpp"

#include <cback/core/read_file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>

namespace cback::config {
namespace {

std::string join(const Problems& problems) {
  std::string text;
  for (const Problem& problem : problems) {
    if (!text.empty()) {
      text += '\n';
    }
    text += problem.str();
  }
  return text;
}

constexpr std::string_view k_utf8_bom = "\xEF\xBB\xBF";

} // namespace

InvalidConfig::InvalidConfig(Problems problems)
    : Error(ExitCode::config, join(problems)), m_problems(std::move(problems)) {}

Format detect_format(std::string_view content) {
  if (content.starts_with(k_utf8_bom)) {
    content.remove_prefix(k_utf8_bom.size());
  }
  while (true) {
    const std::size_t start = content.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) {
      return Format::toml;
    }
    content.remove_prefix(start);
    if (content.front() != '#') {
      return content.front() == '<' ? Format::xml : Format::toml;
    }
    const std::size_t end = content.find('\n');
    if (end == std::string_view::npos) {
      return Format::toml;
    }
    content.remove_prefix(end);
  }
}

Config parse(std::string_view content, const std::string& name) {
  Problems problems;
  const std::optional<std::string> converted = latin1_as_utf8(content);
  if (converted) {
    content = *converted;
  }
  if (!check_text(content, name, problems)) {
    throw InvalidConfig(std::move(problems));
  }
  const Format format = detect_format(content);
  const std::optional<Node> tree = format == Format::xml ? read_xml(content, name, problems)
                                                         : read_toml(content, name, problems);
  if (!tree) {
    throw InvalidConfig(std::move(problems));
  }
  Config config = schema::bind_config(*tree, problems);
  config.path = name;
  config.format = format;
  check_rules(config, problems);
  if (!problems.empty()) {
    // Binding goes key by key; users read files top to bottom.
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
      return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
    });
    throw InvalidConfig(std::move(problems));
  }
  return config;
}

Config load(const std::filesystem::path& path) {
  const auto content = core::read_file(path);
  if (!content) {
    throw InvalidConfig(
        {Problem{Location{path.string()}, fmt::format("cannot read the configuration file: {}",
                                                      std::strerror(content.error().value()))}});
  }
  return parse(*content, path.string());
}

std::string to_toml(const Config& config) {
  schema::TomlWriter writer;
  schema::write_struct(writer, config);
  std::string text = "# cback configuration (TOML). Keys are the legacy XML tags; see the\n"
                     "# configuration reference in the manual.\n";
  return text + writer.text();
}

std::string to_xml(const Config& config) {
  schema::XmlWriter writer;
  schema::write_struct(writer, config);
  return writer.text();
}

} // namespace cback::config
