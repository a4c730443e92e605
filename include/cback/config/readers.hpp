#pragma once

// The two syntax readers. Each turns a document into the generic tree of
// tree.hpp, or appends problems located at the syntax error and returns
// nothing. Neither knows any configuration key: that is the binder's job.

#include <cback/config/location.hpp>
#include <cback/config/tree.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cback::config {

/// The legacy Cedar Backup XML. The root must be <cb_config>; the tree's
/// root is that element. Text is kept exactly as written (not trimmed).
std::optional<Node> read_xml(std::string_view content, const std::string& name, Problems& problems);

/// TOML 1.0. The tree's root is the document's root table.
std::optional<Node> read_toml(std::string_view content, const std::string& name,
                              Problems& problems);

/// True if `content` is UTF-8 text without NUL bytes; otherwise appends one
/// problem at the first offending byte.
bool check_text(std::string_view content, const std::string& name, Problems& problems);

/// The original (expat) honours the encoding an XML declaration names; the
/// only one besides UTF-8 met in practice is ISO-8859-1 (latin1). When
/// `content` declares it, returns the content converted to UTF-8.
std::optional<std::string> latin1_as_utf8(std::string_view content);

/// The 1-based line and column (in characters) of byte `offset` of `content`.
Location locate(std::string_view content, std::size_t offset, const std::string& name);

} // namespace cback::config
