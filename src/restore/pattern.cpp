#include <cback/restore/pattern.hpp>

#include <cback/core/error.hpp>
#include <cback/core/field_escape.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cback::restore {
namespace {

[[noreturn]] void bad_pattern(std::string_view text, std::string_view why) {
  throw Error(ExitCode::usage, fmt::format("Bad pattern [{}]: {}.", core::escape_field(text), why));
}

} // namespace

PathPattern::PathPattern(std::string_view text) : m_text(text) {
  std::string full(text);
  if (!full.starts_with('/') && !full.starts_with('*')) {
    full = "**/" + full;
  }
  for (std::size_t i = 0; i < full.size(); ++i) {
    const char c = full[i];
    Token token;
    if (c == '*' && i + 1 < full.size() && full[i + 1] == '*') {
      ++i;
      // "**/" also matches no directory at all: /a/**/b is /a/b too.
      if (i + 1 < full.size() && full[i + 1] == '/') {
        ++i;
        token.kind = Kind::dirs;
      } else {
        token.kind = Kind::globstar;
      }
    } else if (c == '*') {
      token.kind = Kind::star;
    } else if (c == '?') {
      token.kind = Kind::any_byte;
    } else if (c == '\\') {
      if (++i == full.size()) {
        bad_pattern(text, "it ends with a lone '\\'");
      }
      token.byte = full[i];
    } else if (c == '[') {
      token.kind = Kind::set;
      std::size_t j = i + 1;
      if (j < full.size() && (full[j] == '!' || full[j] == '^')) {
        token.negated = true;
        ++j;
      }
      const std::size_t first = j;
      for (; j < full.size() && (full[j] != ']' || j == first); ++j) {
        const auto low = static_cast<unsigned char>(full[j]);
        if (j + 2 < full.size() && full[j + 1] == '-' && full[j + 2] != ']') {
          token.ranges.emplace_back(low, static_cast<unsigned char>(full[j + 2]));
          j += 2;
        } else {
          token.ranges.emplace_back(low, low);
        }
      }
      if (j == full.size()) {
        bad_pattern(text, "a '[' is not closed");
      }
      i = j;
    } else {
      token.byte = c;
    }
    m_tokens.push_back(std::move(token));
  }
  const auto literal = [](const Token& token) { return token.kind == Kind::byte; };
  const auto first_wild = std::find_if_not(m_tokens.begin(), m_tokens.end(), literal);
  for (auto it = m_tokens.begin(); it != first_wild; ++it) {
    m_prefix += it->byte;
  }
  if (first_wild != m_tokens.end()) {
    const auto last_wild = std::find_if_not(m_tokens.rbegin(), m_tokens.rend(), literal).base();
    for (auto it = last_wild; it != m_tokens.end(); ++it) {
      m_suffix += it->byte;
    }
  }
}

bool PathPattern::in_set(const Token& token, unsigned char byte) {
  bool found = false;
  for (const auto& [low, high] : token.ranges) {
    found = found || (byte >= low && byte <= high);
  }
  return found != token.negated;
}

// A walk over the tokens with the set of path positions reachable so far
// (one flag per position): linear in tokens × path length, whatever the
// stars, so no pattern makes it backtrack exponentially.
bool PathPattern::matches(std::string_view path) const {
  if (!path.starts_with(m_prefix) || !path.ends_with(m_suffix)) {
    return false;
  }
  const std::size_t n = path.size();
  std::vector<char> reach(n + 1, 0);
  std::vector<char> next(n + 1, 0);
  reach[0] = 1;
  for (const auto& token : m_tokens) {
    std::fill(next.begin(), next.end(), 0);
    bool open = false; // a star run that reaches the current position
    for (std::size_t i = 0; i <= n; ++i) {
      const bool here = reach[i] != 0;
      switch (token.kind) {
      case Kind::byte:
        next[i + 1 <= n ? i + 1 : n] |= (here && i < n && path[i] == token.byte) ? 1 : 0;
        break;
      case Kind::any_byte:
        next[i + 1 <= n ? i + 1 : n] |= (here && i < n && path[i] != '/') ? 1 : 0;
        break;
      case Kind::set:
        next[i + 1 <= n ? i + 1 : n] |=
            (here && i < n && path[i] != '/' && in_set(token, static_cast<unsigned char>(path[i])))
                ? 1
                : 0;
        break;
      case Kind::star:
        open = here || (open && path[i - 1] != '/');
        next[i] |= open ? 1 : 0;
        break;
      case Kind::globstar:
        open = open || here;
        next[i] |= open ? 1 : 0;
        break;
      case Kind::dirs:
        // Nothing, or any run of bytes that ends with '/'.
        next[i] |= here ? 1 : 0;
        open = open || here;
        if (open && i < n && path[i] == '/') {
          next[i + 1] = 1;
        }
        break;
      }
    }
    std::swap(reach, next);
  }
  return reach[n] != 0;
}

} // namespace cback::restore
