#pragma once

// The execution index of every action name (docs/compatibility.md, "Action order"): in index mode
// the built-in indices and each extension's <index>; in dependency mode the
// position (from 1) in a topological order of the dependency graph.

#include <cback/config/model.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cback::cli {

struct ActionOrder {
  config::OrderMode mode = config::OrderMode::index;
  /// The names in the order the original logs them on "Action order will
  /// be: [...]": by (index, name) in index mode, the topological order in
  /// dependency mode. Every built-in except `all`, and every extension.
  std::vector<std::string> names;
  std::map<std::string, int, std::less<>> index;

  /// The index of a known name; throws std::out_of_range otherwise.
  [[nodiscard]] int index_of(std::string_view name) const;
};

/// Orders the built-ins and the configured extensions. Index mode is used
/// when there are no extensions, whatever order_mode says (as the original).
/// An extension named like a built-in takes its place (its index in index
/// mode; the same graph vertex in dependency mode). Throws
/// cback::Error(ExitCode::config) for an unknown dependency ("Dependency [x]
/// on extension [y] is unknown."), a dependency cycle, or an extension
/// without an index in index mode.
ActionOrder order_actions(const std::optional<config::Extensions>& extensions);

} // namespace cback::cli
