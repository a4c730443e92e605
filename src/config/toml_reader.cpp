#include <cback/config/readers.hpp>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace cback::config {
namespace {

Location location_of(const toml::source_region& region, const std::string& name) {
  return Location{name, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

Node convert(const toml::node& value, std::string key, const std::string& name);

void convert_table(const toml::table& table, Node& node, const std::string& name) {
  node.kind = Node::Kind::table;
  for (const auto& [key, child] : table) {
    node.children.push_back(convert(child, std::string(key.str()), name));
  }
}

void convert_array(const toml::array& array, Node& node, const std::string& name) {
  node.kind = Node::Kind::array;
  for (const toml::node& element : array) {
    node.children.push_back(convert(element, node.name, name));
  }
}

Node convert(const toml::node& value, std::string key, const std::string& name) {
  Node node;
  node.name = std::move(key);
  node.where = location_of(value.source(), name);
  switch (value.type()) {
  case toml::node_type::table:
    convert_table(*value.as_table(), node, name);
    break;
  case toml::node_type::array:
    convert_array(*value.as_array(), node, name);
    break;
  case toml::node_type::string:
    node.kind = Node::Kind::string;
    node.text = value.as_string()->get();
    break;
  case toml::node_type::integer:
    node.kind = Node::Kind::integer;
    node.integer = value.as_integer()->get();
    break;
  case toml::node_type::floating_point:
    node.kind = Node::Kind::floating;
    node.floating = value.as_floating_point()->get();
    break;
  case toml::node_type::boolean:
    node.kind = Node::Kind::boolean;
    node.boolean = value.as_boolean()->get();
    break;
  default:
    node.kind = Node::Kind::other;
    break;
  }
  return node;
}

} // namespace

std::optional<Node> read_toml(std::string_view content, const std::string& name,
                              Problems& problems) {
  try {
    const toml::table document = toml::parse(content, std::string_view(name));
    Node root;
    root.where = Location{name, 1, 1};
    convert_table(document, root, name);
    return root;
  } catch (const toml::parse_error& error) {
    problems.push_back({location_of(error.source(), name),
                        fmt::format("TOML syntax error: {}", error.description())});
    return std::nullopt;
  }
}

} // namespace cback::config
