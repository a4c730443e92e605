#pragma once

#include <string>
#include <vector>

namespace cback::config {

/// Where something was read from: file, 1-based line and column (0 = unknown).
struct Location {
  std::string file;
  int line = 0;
  int column = 0;

  /// "file:line:col", "file:line" or "file", whatever is known.
  [[nodiscard]] std::string str() const;
  bool operator==(const Location&) const = default;
};

/// One configuration problem. Readers and validation collect all of them
/// before anything is reported, so a user sees every mistake at once.
struct Problem {
  Location where;
  std::string message;

  /// "file:line:col: message"
  [[nodiscard]] std::string str() const;
};

using Problems = std::vector<Problem>;

} // namespace cback::config
