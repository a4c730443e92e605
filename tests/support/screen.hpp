#pragma once

// A fake terminal for the tests of progress lines: what a screen shows
// after receiving some bytes.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace cback::test {

// What a terminal shows after receiving `bytes`: it understands the
// carriage return, the newline and the three sequences the board sends
// (cursor up, erase to the end of the line, erase below). Any other escape
// sequence fails the test.
inline std::vector<std::string> screen_of(const std::string& bytes) {
  std::vector<std::string> lines(1);
  std::size_t row = 0;
  std::size_t column = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '\n') {
      ++row;
      column = 0;
      lines.resize(std::max(lines.size(), row + 1));
    } else if (c == '\r') {
      column = 0;
    } else if (c == '\x1b') {
      REQUIRE(bytes.at(i + 1) == '[');
      std::size_t end = i + 2;
      while (std::isdigit(static_cast<unsigned char>(bytes.at(end))) != 0) {
        ++end;
      }
      const std::string count = bytes.substr(i + 2, end - i - 2);
      switch (bytes.at(end)) {
      case 'A':
        REQUIRE(std::stoul(count) <= row);
        row -= std::stoul(count);
        break;
      case 'K':
        lines[row].resize(std::min(lines[row].size(), column));
        break;
      case 'J':
        lines[row].resize(std::min(lines[row].size(), column));
        lines.resize(row + 1);
        break;
      default:
        FAIL("unexpected escape sequence " << bytes.substr(i + 1, end - i));
      }
      i = end;
    } else {
      if (lines[row].size() <= column) {
        lines[row].resize(column + 1, ' ');
      }
      lines[row][column++] = c;
    }
  }
  if (lines.back().empty()) {
    lines.pop_back();
  }
  return lines;
}

} // namespace cback::test
