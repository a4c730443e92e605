#include <cback/config/readers.hpp>

#include <fmt/format.h>
#include <pugixml.hpp>

namespace cback::config {
namespace {

// No configuration key lies deeper than five levels below <cb_config>;
// anything under this depth belongs to an element the binder already
// rejects or ignores. The cap keeps the copy below from recursing without
// bound on hostile input.
constexpr int k_max_depth = 16;

struct XmlSource {
  std::string_view content;
  const std::string& name;
};

/// The element's position: offset_debug() points at its name, one past '<'.
Location element_location(const XmlSource& source, const pugi::xml_node& element) {
  const std::ptrdiff_t offset = element.offset_debug();
  if (offset < 1) {
    return Location{source.name, 0, 0};
  }
  return locate(source.content, static_cast<std::size_t>(offset - 1), source.name);
}

// Like minidom's readString: the value of an element is its first text
// node, exactly as written. An element without text has no value.
std::optional<std::string> first_text(const pugi::xml_node& element) {
  for (const pugi::xml_node child : element.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      return std::string(child.value());
    }
  }
  return std::nullopt;
}

Node convert(const XmlSource& source, const pugi::xml_node& element, int depth) {
  Node node;
  node.kind = Node::Kind::element;
  node.name = element.name();
  node.where = element_location(source, element);
  node.text = first_text(element);
  if (depth < k_max_depth) {
    for (const pugi::xml_node child : element.children()) {
      if (child.type() == pugi::node_element) {
        node.children.push_back(convert(source, child, depth + 1));
      }
    }
  }
  return node;
}

} // namespace

std::optional<Node> read_xml(std::string_view content, const std::string& name,
                             Problems& problems) {
  pugi::xml_document document;
  // Whitespace-only text is kept: in the original, <abs_path> </abs_path>
  // is a (relative) path, not an absent one.
  const unsigned options = pugi::parse_default | pugi::parse_ws_pcdata;
  const pugi::xml_parse_result result =
      document.load_buffer(content.data(), content.size(), options, pugi::encoding_utf8);
  if (!result) {
    problems.push_back(
        {locate(content, static_cast<std::size_t>(std::max<std::ptrdiff_t>(result.offset, 0)),
                name),
         fmt::format("XML syntax error: {}", result.description())});
    return std::nullopt;
  }
  const pugi::xml_node root = document.document_element();
  const XmlSource source{content, name};
  if (root.empty()) {
    problems.push_back({Location{name, 1, 1}, "no XML root element: expected <cb_config>"});
    return std::nullopt;
  }
  if (std::string_view(root.name()) != "cb_config") {
    problems.push_back({element_location(source, root),
                        fmt::format("root element is <{}>: expected <cb_config>", root.name())});
    return std::nullopt;
  }
  return convert(source, root, 0);
}

} // namespace cback::config
