#pragma once

// The escaping of the line-oriented records cback writes (the collect
// manifest, the stage status record): paths and messages are bytes, so '\'
// is doubled and control bytes (tab and newline among them) become \xHH.
// A record then stays on one line and a tab can separate two fields.

#include <optional>
#include <string>
#include <string_view>

namespace cback::core {

std::string escape_field(std::string_view text);

/// The inverse of escape_field; std::nullopt for a lone '\' or a bad \x.
std::optional<std::string> unescape_field(std::string_view text);

} // namespace cback::core
