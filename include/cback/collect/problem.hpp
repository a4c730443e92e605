#pragma once

#include <string>

namespace cback::collect {

/// Something that went wrong with one path but did not stop the work on the
/// item (an unreadable directory, a file that could not be hashed, a path
/// left out because it cannot be archived). The caller logs each problem and
/// the manifest lists it; the item is still collected.
struct Problem {
  std::string path;    ///< the path concerned, as bytes
  std::string message; ///< what happened, e.g. the errno text
  bool operator==(const Problem&) const = default;
};

} // namespace cback::collect
