#pragma once

// The schema machinery: every configuration key is declared once, as a
// Field of the struct it fills (see src/config/schemas.cpp). The same field
// list drives the XML binding, the TOML binding and the TOML writer, so the
// two formats cannot drift apart.
//
// Binding walks the generic tree of tree.hpp. Both formats look alike to a
// field through four lookups on Binder: a single scalar, repeated scalars,
// a single sub-table and repeated sub-tables. XML repeats an element where
// TOML writes an array; XML nests an element where TOML has a table.

#include <cback/config/location.hpp>
#include <cback/config/model.hpp>
#include <cback/config/tree.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cback::config::schema {

/// A scalar as the TOML writer emits it.
using Scalar = std::variant<std::string, std::int64_t, bool>;

/// Collects problems while a tree is bound, and hides the differences
/// between XML and TOML trees from the fields.
class Binder {
public:
  explicit Binder(Problems& problems) : m_problems(problems) {}

  /// A problem about `node`, prefixed with its key path ("collect.dir.abs_path").
  void problem(const Node& node, std::string_view message);
  /// A problem about the container `parent` (used for missing keys).
  void missing(const Node& parent, std::string_view key);

  /// The value of a single-valued key, or nullptr when absent. XML: the
  /// first child element named `key` that has text (an empty element counts
  /// as absent, as in the original). TOML: the key's value, which must be a
  /// scalar.
  const Node* scalar(const Node& parent, std::string_view key);
  /// The values of a repeated key. XML: each child element named `key` with
  /// text. TOML: the elements of the array under `key`.
  std::vector<const Node*> scalars(const Node& parent, std::string_view key);
  /// A sub-container. XML: the first child element named `key` (an empty
  /// one is present). TOML: the table under `key`.
  const Node* table(const Node& parent, std::string_view key);
  /// Repeated sub-containers. XML: every child element named `key`. TOML:
  /// the tables of the array of tables under `key`.
  std::vector<const Node*> tables(const Node& parent, std::string_view key);

  /// The text of a string-like scalar: XML text or a TOML string. Anything
  /// else is a problem ("must be <expected>").
  std::optional<std::string> text(const Node& node, std::string_view expected);

  /// Key path bookkeeping for messages; see Enter.
  void push(const Node& node) { m_path.push_back(&node); }
  void pop() { m_path.pop_back(); }

private:
  [[nodiscard]] std::string path_to(const Node& node) const;
  [[nodiscard]] const Node* first_child(const Node& parent, std::string_view key) const;

  Problems& m_problems;
  std::vector<const Node*> m_path;
};

/// Writes a configuration out, field by field, in one of the formats. The
/// schema's fields call it the same way for both: plain keys first, then
/// sub-tables and repeated sub-tables.
class Writer {
public:
  virtual ~Writer() = default;
  virtual void value(std::string_view key, const Scalar& scalar) = 0;
  /// A repeated key: a TOML array, repeated XML elements.
  virtual void values(std::string_view key, const std::vector<Scalar>& scalars) = 0;
  /// A comma list: a TOML array, one XML element holding "a,b".
  virtual void comma_values(std::string_view key, const std::vector<Scalar>& scalars) = 0;
  /// Starts a sub-table (`array_item`: one of a repeated key); `comment`
  /// describes a top-level section.
  virtual void open(std::string_view key, bool array_item, std::string_view comment) = 0;
  virtual void close() = 0;
};

/// TOML text: sub-tables and arrays of tables under their full dotted
/// headers.
class TomlWriter final : public Writer {
public:
  void value(std::string_view key, const Scalar& scalar) override;
  void values(std::string_view key, const std::vector<Scalar>& scalars) override;
  void comma_values(std::string_view key, const std::vector<Scalar>& scalars) override {
    values(key, scalars);
  }
  /// Starts [path.key] or [[path.key]]; `comment` is printed above
  /// top-level tables.
  void open(std::string_view key, bool array_item, std::string_view comment) override;
  void close() override { m_path.pop_back(); }
  [[nodiscard]] const std::string& text() const { return m_text; }

private:
  std::vector<std::string> m_path;
  std::string m_text;
};

/// The legacy XML of Cedar Backup, under <cb_config>: booleans as Y and N,
/// a comment above each top-level section.
class XmlWriter final : public Writer {
public:
  XmlWriter();
  ~XmlWriter() override;
  XmlWriter(const XmlWriter&) = delete;
  XmlWriter& operator=(const XmlWriter&) = delete;

  void value(std::string_view key, const Scalar& scalar) override;
  void values(std::string_view key, const std::vector<Scalar>& scalars) override;
  void comma_values(std::string_view key, const std::vector<Scalar>& scalars) override;
  void open(std::string_view key, bool array_item, std::string_view comment) override;
  void close() override;
  /// The whole document, with its XML declaration.
  [[nodiscard]] std::string text() const;

private:
  struct Document;
  std::unique_ptr<Document> m_document;
};

/// A TOML basic string with every needed escape.
std::string quote(std::string_view text);

/// Reads one scalar node into V, appending a problem at the node when it is
/// not acceptable; and turns V back into a TOML scalar.
template <class V>
struct Codec {
  std::function<std::optional<V>(Binder&, const Node&)> read;
  std::function<Scalar(const V&)> write;
};

enum class Need {
  optional,
  required,
  required_in_xml, ///< the legacy format needs it; TOML may leave it out
};

template <class T>
struct Field {
  std::string_view key;
  bool xml_only = false; ///< a legacy alias: read from XML, never written
  bool nested = false;   ///< a table or array of tables: written after plain keys
  std::function<void(Binder&, const Node&, T&)> bind;
  std::function<void(Writer&, const T&)> write;
};

template <class T>
struct Schema {
  std::string_view comment; ///< one line above the section in written TOML
  std::vector<Field<T>> fields;
};

/// The schema of each model struct; specialised in schemas.cpp.
template <class T>
const Schema<T>& schema_of();

// ------------------------------------------------------------------ walking

/// Problems for keys the schema does not know (XML elements, TOML keys).
template <class T>
void check_keys(Binder& binder, const Node& node, const Schema<T>& schema) {
  for (const Node& child : node.children) {
    bool known = false;
    for (const Field<T>& field : schema.fields) {
      known = known || (field.key == child.name && (!field.xml_only || node.is_xml()));
    }
    if (!known) {
      binder.problem(child, node.is_xml() ? "unknown element" : "unknown key");
    }
  }
}

template <class T>
void bind_struct(Binder& binder, const Node& node, T& out) {
  if constexpr (requires { out.where; }) {
    out.where.loc = node.where;
  }
  const Schema<T>& schema = schema_of<T>();
  binder.push(node);
  check_keys(binder, node, schema);
  for (const Field<T>& field : schema.fields) {
    if (!field.xml_only || node.is_xml()) {
      field.bind(binder, node, out);
    }
  }
  binder.pop();
}

template <class T>
void write_struct(Writer& writer, const T& value) {
  for (const bool nested : {false, true}) {
    for (const Field<T>& field : schema_of<T>().fields) {
      if (field.nested == nested && field.write) {
        field.write(writer, value);
      }
    }
  }
}

template <class T>
void write_table(Writer& writer, std::string_view key, const T& value, bool array_item) {
  writer.open(key, array_item, schema_of<T>().comment);
  write_struct(writer, value);
  writer.close();
}

// ----------------------------------------------------------- field makers

/// Reads the scalar `key` of `parent` into `target` (a V or an optional<V>);
/// reports it missing when `need` says it must be there.
template <class V, class Target>
void bind_scalar(Binder& binder, const Node& parent, std::string_view key, const Codec<V>& codec,
                 Need need, Target& target) {
  const Node* node = binder.scalar(parent, key);
  if (node == nullptr) {
    if (need == Need::required || (need == Need::required_in_xml && parent.is_xml())) {
      binder.missing(parent, key);
    }
  } else if (std::optional<V> value = codec.read(binder, *node)) {
    target = std::move(*value);
  }
}

/// A single scalar kept in a plain member (written only when it differs
/// from the member's default, or when required).
template <class T, class V>
Field<T> scalar(std::string_view key, V T::*member, Codec<V> codec, Need need = Need::optional) {
  Field<T> field;
  field.key = key;
  field.bind = [=](Binder& binder, const Node& parent, T& out) {
    bind_scalar(binder, parent, key, codec, need, out.*member);
  };
  field.write = [=](Writer& writer, const T& in) {
    if (need != Need::optional || !(in.*member == T{}.*member)) {
      writer.value(key, codec.write(in.*member));
    }
  };
  return field;
}

/// A single scalar whose presence matters (written when present).
template <class T, class V>
Field<T> scalar(std::string_view key, std::optional<V> T::*member, Codec<V> codec,
                Need need = Need::optional) {
  Field<T> field;
  field.key = key;
  field.bind = [=](Binder& binder, const Node& parent, T& out) {
    bind_scalar(binder, parent, key, codec, need, out.*member);
  };
  field.write = [=](Writer& writer, const T& in) {
    if (in.*member) {
      writer.value(key, codec.write(*(in.*member)));
    }
  };
  return field;
}

/// A legacy XML-only name for `member`; read after the main key, so it wins.
template <class T, class V>
Field<T> xml_alias(std::string_view key, std::optional<V> T::*member, Codec<V> codec) {
  Field<T> field = scalar(key, member, std::move(codec));
  field.xml_only = true;
  field.write = nullptr;
  return field;
}

/// A repeated scalar: repeated XML elements, a TOML array.
template <class T, class V>
Field<T> list(std::string_view key, std::vector<V> T::*member, Codec<V> codec) {
  Field<T> field;
  field.key = key;
  field.bind = [=](Binder& binder, const Node& parent, T& out) {
    for (const Node* node : binder.scalars(parent, key)) {
      if (std::optional<V> value = codec.read(binder, *node)) {
        (out.*member).push_back(std::move(*value));
      }
    }
  };
  field.write = [=](Writer& writer, const T& in) {
    if (!(in.*member).empty()) {
      std::vector<Scalar> scalars;
      for (const V& value : in.*member) {
        scalars.push_back(codec.write(value));
      }
      writer.values(key, scalars);
    }
  };
  return field;
}

/// Reads a comma list: XML text split on commas (items trimmed, empty ones
/// dropped, as the original), or a TOML array of strings.
std::optional<std::vector<std::string>> read_comma_list(Binder& binder, const Node& parent,
                                                        std::string_view key,
                                                        const Codec<std::string>& item);
std::vector<Scalar> to_scalars(const std::vector<std::string>& items);

template <class T>
Field<T> comma_list(std::string_view key, std::optional<std::vector<std::string>> T::*member,
                    Codec<std::string> item) {
  Field<T> field;
  field.key = key;
  field.bind = [=](Binder& binder, const Node& parent, T& out) {
    if (auto items = read_comma_list(binder, parent, key, item)) {
      out.*member = std::move(*items);
    }
  };
  field.write = [=](Writer& writer, const T& in) {
    if (in.*member) {
      writer.comma_values(key, to_scalars(*(in.*member)));
    }
  };
  return field;
}

template <class T>
Field<T> comma_list(std::string_view key, std::vector<std::string> T::*member,
                    Codec<std::string> item) {
  Field<T> field;
  field.key = key;
  field.bind = [=](Binder& binder, const Node& parent, T& out) {
    if (auto items = read_comma_list(binder, parent, key, item)) {
      out.*member = std::move(*items);
    }
  };
  field.write = [=](Writer& writer, const T& in) {
    if (!(in.*member).empty()) {
      writer.comma_values(key, to_scalars(in.*member));
    }
  };
  return field;
}

/// A sub-table that always exists in the model (written unless default).
template <class T, class S>
Field<T> table(std::string_view key, S T::*member) {
  Field<T> field;
  field.key = key;
  field.nested = true;
  field.bind = [=](Binder& binder, const Node& parent, T& out) {
    if (const Node* node = binder.table(parent, key)) {
      bind_struct(binder, *node, out.*member);
    }
  };
  field.write = [=](Writer& writer, const T& in) {
    if (!(in.*member == S{})) {
      write_table(writer, key, in.*member, false);
    }
  };
  return field;
}

/// A sub-table whose presence matters (a section, depends, blank_behavior).
template <class T, class S>
Field<T> table(std::string_view key, std::optional<S> T::*member) {
  Field<T> field;
  field.key = key;
  field.nested = true;
  field.bind = [=](Binder& binder, const Node& parent, T& out) {
    if (const Node* node = binder.table(parent, key)) {
      bind_struct(binder, *node, (out.*member).emplace());
    }
  };
  field.write = [=](Writer& writer, const T& in) {
    if (in.*member) {
      write_table(writer, key, *(in.*member), false);
    }
  };
  return field;
}

/// Repeated sub-tables: repeated XML containers, a TOML array of tables.
template <class T, class S>
Field<T> tables(std::string_view key, std::vector<S> T::*member) {
  Field<T> field;
  field.key = key;
  field.nested = true;
  field.bind = [=](Binder& binder, const Node& parent, T& out) {
    for (const Node* node : binder.tables(parent, key)) {
      bind_struct(binder, *node, (out.*member).emplace_back());
    }
  };
  field.write = [=](Writer& writer, const T& in) {
    for (const S& item : in.*member) {
      write_table(writer, key, item, true);
    }
  };
  return field;
}

// ------------------------------------------------------------ entry points

/// Binds a whole document (the root of either reader's tree) to the model,
/// appending every field-level problem. Unknown top-level XML elements are
/// ignored (third-party extensions keep their sections there); a repeated
/// section is a problem.
Config bind_config(const Node& root, Problems& problems);

} // namespace cback::config::schema
