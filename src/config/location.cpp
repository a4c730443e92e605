#include <cback/config/location.hpp>

#include <fmt/format.h>

namespace cback::config {

std::string Location::str() const {
  if (line <= 0) {
    return file;
  }
  if (column <= 0) {
    return fmt::format("{}:{}", file, line);
  }
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Problem::str() const {
  const std::string at = where.str();
  return at.empty() ? message : fmt::format("{}: {}", at, message);
}

} // namespace cback::config
