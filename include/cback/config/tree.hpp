#pragma once

// The generic tree both readers produce before binding. It keeps what the
// schema binder needs to know about a document and nothing else: names,
// positions, and either a scalar or children. XML gives untyped text; TOML
// gives typed scalars, tables and arrays.

#include <cback/config/location.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cback::config {

struct Node {
  enum class Kind {
    element,  ///< XML element: `text` is its first text node, `children` its child elements
    string,   ///< TOML string, in `text`
    integer,  ///< TOML integer, in `integer`
    floating, ///< TOML float, in `floating`
    boolean,  ///< TOML boolean, in `boolean`
    other,    ///< TOML date or time (no configuration key takes one)
    table,    ///< TOML table (header or inline): `children` are its keys
    array,    ///< TOML array: `children` are its elements, each named like the array
  };

  Kind kind = Kind::element;
  std::string name; ///< element name or TOML key
  Location where;
  std::optional<std::string> text;
  std::int64_t integer = 0;
  double floating = 0.0;
  bool boolean = false;
  std::vector<Node> children;

  [[nodiscard]] bool is_xml() const { return kind == Kind::element; }
};

/// "a string", "an integer", "a table"... for messages about wrong types.
std::string describe(const Node& node);

} // namespace cback::config
