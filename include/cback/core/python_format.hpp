#pragma once

// The original printed some values with Python's repr() — the action order
// and a failed hook's command, for instance — and users' log watchers may
// match those lines. These helpers print the same text.

#include <span>
#include <string>
#include <string_view>

namespace cback::core {

/// Python's repr() of a str: 'text', or "text" when it holds a ' and no ".
std::string python_repr(std::string_view text);

/// Python's repr() of a list of str: ['a', 'b'] ([] when empty).
std::string python_list(std::span<const std::string> items);

} // namespace cback::core
