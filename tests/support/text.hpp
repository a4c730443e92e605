#pragma once

// Looking into what a program or a logger wrote.

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace cback::test {

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The lines of `text`, without their newlines.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

/// The "key: value" lines of `text` (a cback-bench summary), by key.
inline std::map<std::string, std::string> summary_of(const std::string& text) {
  std::map<std::string, std::string> values;
  for (const auto& line : lines_of(text)) {
    const auto colon = line.find(": ");
    if (colon != std::string::npos) {
      values[line.substr(0, colon)] = line.substr(colon + 2);
    }
  }
  return values;
}

} // namespace cback::test
