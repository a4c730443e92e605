#include <cback/config/schema.hpp>
#include <cback/config/values.hpp>

#include <fmt/format.h>
#include <pugixml.hpp>

#include <sstream>

namespace cback::config::schema {

// ------------------------------------------------------------------ Binder

std::string Binder::path_to(const Node& node) const {
  const char* separator = node.is_xml() ? "/" : ".";
  std::string path;
  // m_path[0] is the document root (<cb_config> or the TOML root table),
  // which is not part of a key path.
  for (std::size_t i = 1; i < m_path.size(); ++i) {
    path += m_path[i]->name;
    path += separator;
  }
  return path + node.name;
}

void Binder::problem(const Node& node, std::string_view message) {
  m_problems.push_back({node.where, fmt::format("{}: {}", path_to(node), message)});
}

void Binder::missing(const Node& parent, std::string_view key) {
  const std::string what =
      parent.is_xml() ? fmt::format("element <{}>", key) : fmt::format("key \"{}\"", key);
  // The parent is the container being bound, the last one on the path.
  std::string in;
  for (std::size_t i = 1; i < m_path.size(); ++i) {
    in += (i > 1 ? (parent.is_xml() ? "/" : ".") : "") + m_path[i]->name;
  }
  m_problems.push_back(
      {parent.where, fmt::format("{}: missing required {}", in.empty() ? "document" : in, what)});
}

const Node* Binder::first_child(const Node& parent, std::string_view key) const {
  for (const Node& child : parent.children) {
    if (child.name == key) {
      return &child;
    }
  }
  return nullptr;
}

const Node* Binder::scalar(const Node& parent, std::string_view key) {
  if (!parent.is_xml()) {
    return first_child(parent, key); // a wrong type is the codec's to report
  }
  for (const Node& child : parent.children) {
    if (child.name == key && child.text) {
      return &child;
    }
  }
  return nullptr;
}

std::vector<const Node*> Binder::scalars(const Node& parent, std::string_view key) {
  std::vector<const Node*> found;
  if (parent.is_xml()) {
    for (const Node& child : parent.children) {
      if (child.name == key && child.text) {
        found.push_back(&child);
      }
    }
    return found;
  }
  const Node* array = first_child(parent, key);
  if (array == nullptr) {
    return found;
  }
  if (array->kind != Node::Kind::array) {
    problem(*array, fmt::format("must be an array, not {}", describe(*array)));
    return found;
  }
  for (const Node& element : array->children) {
    found.push_back(&element);
  }
  return found;
}

const Node* Binder::table(const Node& parent, std::string_view key) {
  const Node* node = first_child(parent, key);
  if (node != nullptr && !node->is_xml() && node->kind != Node::Kind::table) {
    problem(*node, fmt::format("must be a table, not {}", describe(*node)));
    return nullptr;
  }
  return node;
}

std::vector<const Node*> Binder::tables(const Node& parent, std::string_view key) {
  std::vector<const Node*> found;
  if (parent.is_xml()) {
    for (const Node& child : parent.children) {
      if (child.name == key) {
        found.push_back(&child);
      }
    }
    return found;
  }
  const Node* array = first_child(parent, key);
  if (array == nullptr) {
    return found;
  }
  if (array->kind != Node::Kind::array) {
    problem(*array,
            fmt::format("must be an array of tables ([[{}]]), not {}", key, describe(*array)));
    return found;
  }
  for (const Node& element : array->children) {
    if (element.kind == Node::Kind::table) {
      found.push_back(&element);
    } else {
      problem(element, fmt::format("must be a table, not {}", describe(element)));
    }
  }
  return found;
}

std::optional<std::string> Binder::text(const Node& node, std::string_view expected) {
  if ((node.kind != Node::Kind::element && node.kind != Node::Kind::string) || !node.text) {
    problem(node, fmt::format("must be {}, not {}", expected, describe(node)));
    return std::nullopt;
  }
  if (node.text->find('\0') != std::string::npos) {
    problem(node, "must not contain a NUL character");
    return std::nullopt;
  }
  return node.text;
}

std::optional<std::vector<std::string>> read_comma_list(Binder& binder, const Node& parent,
                                                        std::string_view key,
                                                        const Codec<std::string>& item) {
  const Node* node = binder.scalar(parent, key);
  if (node == nullptr) {
    return std::nullopt;
  }
  std::vector<std::string> items;
  if (node->is_xml()) {
    std::string_view rest = *node->text;
    while (true) {
      const std::size_t comma = rest.find(',');
      const std::string_view piece = strip(rest.substr(0, comma));
      if (!piece.empty()) {
        Node synthetic = *node;
        synthetic.text = std::string(piece);
        if (auto value = item.read(binder, synthetic)) {
          items.push_back(std::move(*value));
        }
      }
      if (comma == std::string_view::npos) {
        break;
      }
      rest.remove_prefix(comma + 1);
    }
    return items;
  }
  if (node->kind != Node::Kind::array) {
    binder.problem(*node, fmt::format("must be an array of strings, not {}", describe(*node)));
    return std::nullopt;
  }
  for (const Node& element : node->children) {
    if (auto value = item.read(binder, element)) {
      items.push_back(std::move(*value));
    }
  }
  return items;
}

std::vector<Scalar> to_scalars(const std::vector<std::string>& items) {
  return {items.begin(), items.end()};
}

// ------------------------------------------------------------------ Writer

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
        out += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

namespace {

std::string render(const Scalar& scalar) {
  if (const auto* text = std::get_if<std::string>(&scalar)) {
    return quote(*text);
  }
  if (const auto* number = std::get_if<std::int64_t>(&scalar)) {
    return std::to_string(*number);
  }
  return std::get<bool>(scalar) ? "true" : "false";
}

} // namespace

void TomlWriter::value(std::string_view key, const Scalar& scalar) {
  m_text += fmt::format("{} = {}\n", key, render(scalar));
}

void TomlWriter::values(std::string_view key, const std::vector<Scalar>& scalars) {
  std::vector<std::string> items;
  std::size_t width = key.size() + 5;
  for (const Scalar& scalar : scalars) {
    items.push_back(render(scalar));
    width += items.back().size() + 2;
  }
  // Short lists stay on one line; long ones get one item per line.
  constexpr std::size_t k_line = 80;
  if (width <= k_line) {
    m_text += fmt::format("{} = [{}]\n", key, fmt::join(items, ", "));
  } else {
    m_text += fmt::format("{} = [\n", key);
    for (const std::string& item : items) {
      m_text += fmt::format("  {},\n", item);
    }
    m_text += "]\n";
  }
}

void TomlWriter::open(std::string_view key, bool array_item, std::string_view comment) {
  if (m_path.empty() && !comment.empty()) {
    m_text += fmt::format("\n# {}\n", comment);
  } else {
    m_text += "\n";
  }
  m_path.emplace_back(key);
  const std::string header = fmt::format("{}", fmt::join(m_path, "."));
  m_text += array_item ? fmt::format("[[{}]]\n", header) : fmt::format("[{}]\n", header);
}

// --------------------------------------------------------------- XmlWriter

struct XmlWriter::Document {
  pugi::xml_document document;
  std::vector<pugi::xml_node> open; ///< the element being written into, last
};

namespace {

std::string xml_text(const Scalar& scalar) {
  if (const auto* text = std::get_if<std::string>(&scalar)) {
    return *text;
  }
  if (const auto* number = std::get_if<std::int64_t>(&scalar)) {
    return std::to_string(*number);
  }
  // The original's spelling of booleans (codecs::boolean reads it back).
  return std::get<bool>(scalar) ? "Y" : "N";
}

} // namespace

XmlWriter::XmlWriter() : m_document(std::make_unique<Document>()) {
  pugi::xml_node declaration = m_document->document.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "UTF-8";
  m_document->open.push_back(m_document->document.append_child("cb_config"));
}

XmlWriter::~XmlWriter() = default;

void XmlWriter::value(std::string_view key, const Scalar& scalar) {
  pugi::xml_node element = m_document->open.back().append_child(std::string(key).c_str());
  element.text().set(xml_text(scalar).c_str());
}

void XmlWriter::values(std::string_view key, const std::vector<Scalar>& scalars) {
  for (const Scalar& scalar : scalars) {
    value(key, scalar);
  }
}

void XmlWriter::comma_values(std::string_view key, const std::vector<Scalar>& scalars) {
  std::vector<std::string> items;
  for (const Scalar& scalar : scalars) {
    items.push_back(xml_text(scalar));
  }
  value(key, fmt::format("{}", fmt::join(items, ",")));
}

void XmlWriter::open(std::string_view key, bool /*array_item*/, std::string_view comment) {
  pugi::xml_node parent = m_document->open.back();
  if (m_document->open.size() == 1 && !comment.empty()) {
    parent.append_child(pugi::node_comment).set_value(fmt::format(" {} ", comment).c_str());
  }
  m_document->open.push_back(parent.append_child(std::string(key).c_str()));
}

void XmlWriter::close() {
  m_document->open.pop_back();
}

std::string XmlWriter::text() const {
  std::ostringstream out;
  m_document->document.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

} // namespace cback::config::schema
