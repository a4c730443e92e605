#pragma once

// The patterns of `cback-restore find`: a glob on a path's original
// absolute name ("/home/anna/notes.txt"), matched byte by byte (names need
// not be UTF-8). `*` is any run of bytes without '/', `?` one byte other
// than '/', `[abc]`, `[a-z]` and `[!abc]` one byte of (or not of) a set,
// `\x` the byte x itself, and `**` any run of bytes including '/': `/home/**`
// is everything below /home, `/home/**/notes.txt` a notes.txt at any depth
// below it (/home/notes.txt included). A pattern that does not start with
// '/' or '*' is looked for at any depth: `hosts` is `**/hosts`.

#include <string>
#include <string_view>
#include <vector>

namespace cback::restore {

class PathPattern {
public:
  /// Throws cback::Error(usage) naming a pattern with an unclosed '['
  /// or a trailing '\'.
  explicit PathPattern(std::string_view text);

  [[nodiscard]] bool matches(std::string_view path) const;
  [[nodiscard]] const std::string& text() const noexcept { return m_text; }

private:
  enum class Kind { byte, any_byte, set, star, globstar, dirs };
  struct Token {
    Kind kind = Kind::byte;
    char byte = 0;
    bool negated = false;
    std::vector<std::pair<unsigned char, unsigned char>> ranges; ///< set only
  };

  std::string m_text;
  std::vector<Token> m_tokens;
  // The bytes every match starts and ends with (the tokens before the
  // first wildcard, after the last): most paths of an index are turned
  // away by these two comparisons, before the walk over the tokens.
  std::string m_prefix;
  std::string m_suffix;

  [[nodiscard]] static bool in_set(const Token& token, unsigned char byte);
};

} // namespace cback::restore
