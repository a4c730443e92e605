#pragma once

#include <string>

namespace cback::collect {

/// Something that went wrong with one path but did not stop the work on the
/// item (an unreadable directory, a file that could not be hashed). The caller
/// logs each problem and counts the item as failed or partial.
struct Problem {
  std::string path;    ///< the path concerned, as bytes
  std::string message; ///< what happened, e.g. the errno text
  bool operator==(const Problem&) const = default;
};

} // namespace cback::collect
