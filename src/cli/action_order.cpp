#include <cback/cli/action_order.hpp>

#include <cback/actions/action.hpp>
#include <cback/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace cback::cli {
namespace {

// The original creates the graph's built-in vertices in this order, and a
// vertex without edges lands in the order according to its creation
// position: keep it so dependency-mode orders are the original's.
constexpr std::array<std::string_view, 7> k_vertex_order{
    "rebuild", "validate", "initialize", "collect", "stage", "store", "purge"};

// collect before stage, store, purge; stage before store, purge; store
// before purge.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> k_fixed_edges{{
    {"collect", "stage"},
    {"collect", "store"},
    {"collect", "purge"},
    {"stage", "store"},
    {"stage", "purge"},
    {"store", "purge"},
}};

Error config_error(const std::string& message) {
  return Error(ExitCode::config, message);
}

ActionOrder index_order(const std::optional<config::Extensions>& extensions) {
  ActionOrder order;
  for (const auto& builtin : actions::builtin_actions()) {
    if (builtin.run != nullptr) { // `all` only expands, it has no place of its own
      order.index[std::string(builtin.name)] = builtin.index;
    }
  }
  if (extensions) {
    for (const auto& action : extensions->actions) {
      if (!action.index) {
        throw config_error(fmt::format("Extended action [{}] has no index.", action.name));
      }
      order.index[action.name] = *action.index;
    }
  }
  std::vector<std::pair<int, std::string>> sorted;
  for (const auto& [name, index] : order.index) {
    sorted.emplace_back(index, name);
  }
  std::sort(sorted.begin(), sorted.end());
  for (const auto& entry : sorted) {
    order.names.push_back(entry.second);
  }
  return order;
}

// The dependency graph of the original (a DFS topological sort from a
// synthetic start vertex whose edges go to every vertex in creation order).
// Vertices and edges are kept in creation order because the resulting order
// depends on it.
class Graph {
public:
  void add_vertex(const std::string& name) {
    if (find(name) < 0) {
      m_names.push_back(name);
      m_edges.emplace_back();
    }
  }
  /// False when either end is unknown.
  bool add_edge(std::string_view from, std::string_view to) {
    const int a = find(from);
    const int b = find(to);
    if (a < 0 || b < 0) {
      return false;
    }
    m_edges[static_cast<std::size_t>(a)].push_back(b);
    return true;
  }
  std::vector<std::string> topological_order() const {
    std::vector<State> states(m_names.size(), State::undiscovered);
    std::vector<std::string> reversed;
    for (std::size_t v = 0; v < m_names.size(); ++v) {
      if (states[v] == State::undiscovered) {
        visit(static_cast<int>(v), states, reversed);
      }
    }
    return {reversed.rbegin(), reversed.rend()};
  }

private:
  enum class State { undiscovered, discovered, explored };

  int find(std::string_view name) const {
    const auto it = std::find(m_names.begin(), m_names.end(), name);
    return it == m_names.end() ? -1 : static_cast<int>(it - m_names.begin());
  }
  void visit(int v, std::vector<State>& states, std::vector<std::string>& reversed) const {
    const auto at = static_cast<std::size_t>(v);
    states[at] = State::discovered;
    for (const int next : m_edges[at]) {
      const auto next_at = static_cast<std::size_t>(next);
      if (states[next_at] == State::undiscovered) {
        visit(next, states, reversed);
      } else if (states[next_at] == State::discovered) {
        throw config_error(
            fmt::format("Unable to determine proper action order due to dependency recursion "
                        "(found [{}] while searching [{}]).",
                        m_names[next_at], m_names[at]));
      }
    }
    states[at] = State::explored;
    reversed.push_back(m_names[at]);
  }

  std::vector<std::string> m_names;
  std::vector<std::vector<int>> m_edges;
};

void add_dependency(Graph& graph, const config::ExtendedAction& action, std::string_view from,
                    std::string_view to, std::string_view other) {
  if (!graph.add_edge(from, to)) {
    throw config_error(
        fmt::format("Dependency [{}] on extension [{}] is unknown.", other, action.name));
  }
}

ActionOrder dependency_order(const config::Extensions& extensions) {
  Graph graph;
  for (const auto name : k_vertex_order) {
    graph.add_vertex(std::string(name));
  }
  for (const auto& action : extensions.actions) {
    graph.add_vertex(action.name);
  }
  for (const auto& [from, to] : k_fixed_edges) {
    graph.add_edge(from, to);
  }
  for (const auto& action : extensions.actions) {
    const config::Dependencies none;
    const auto& depends = action.depends ? *action.depends : none;
    for (const auto& before : depends.run_before) {
      add_dependency(graph, action, action.name, before, before);
    }
    for (const auto& after : depends.run_after) {
      add_dependency(graph, action, after, action.name, after);
    }
  }
  ActionOrder order;
  order.mode = config::OrderMode::dependency;
  order.names = graph.topological_order();
  for (std::size_t i = 0; i < order.names.size(); ++i) {
    order.index[order.names[i]] = static_cast<int>(i) + 1;
  }
  return order;
}

} // namespace

int ActionOrder::index_of(std::string_view name) const {
  const auto it = index.find(name);
  if (it == index.end()) {
    throw std::out_of_range(fmt::format("no index for action [{}]", name));
  }
  return it->second;
}

ActionOrder order_actions(const std::optional<config::Extensions>& extensions) {
  const bool has_extensions = extensions && !extensions->actions.empty();
  if (has_extensions && extensions->order_mode == config::OrderMode::dependency) {
    return dependency_order(*extensions);
  }
  return index_order(extensions);
}

} // namespace cback::cli
