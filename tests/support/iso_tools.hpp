#pragma once

// Independent readers of ISO images for the media, store, rebuild and
// initialize tests: xorriso's table of contents, isoinfo's volume
// descriptor, and an extraction by xorriso compared byte for byte with the
// directories that were written.

#include "support/parts.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace cback::test::iso {

namespace fs = std::filesystem;

/// True when xorriso and isoinfo are there to read images back; otherwise
/// reports them missing (support/parts.hpp).
inline bool readers_available() {
  return program_available("xorriso") && program_available("isoinfo");
}

inline std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

/// stdout and stderr of a shell command.
inline std::string capture(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return out;
  }
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    out.append(buffer, got);
  }
  ::pclose(pipe);
  return out;
}

struct TocSession {
  long start = 0;
  long blocks = 0;
  std::string volume_id;
};

/// The sessions `xorriso -toc` lists for an image file.
inline std::vector<TocSession> toc(const fs::path& image) {
  const std::string out = capture("xorriso -indev " + quoted("stdio:" + image.string()) + " -toc");
  std::vector<TocSession> sessions;
  // ISO session  :   1 ,        32 ,      1240s , CEDAR BACKUP 27-NOV-2026
  static const std::regex line(R"(ISO session\s*:\s*\d+\s*,\s*(\d+)\s*,\s*(\d+)s\s*,\s*(.*))");
  std::smatch match;
  std::string::const_iterator from = out.begin();
  while (std::regex_search(from, out.end(), match, line)) {
    std::string id = match[3].str();
    while (!id.empty() && (id.back() == ' ' || id.back() == '\r')) {
      id.pop_back();
    }
    sessions.push_back({std::stol(match[1].str()), std::stol(match[2].str()), id});
    from = match.suffix().first;
  }
  return sessions;
}

/// `isoinfo -d -i IMAGE` (the primary volume descriptor and extensions).
inline std::string isoinfo(const fs::path& image) {
  return capture("isoinfo -d -i " + quoted(image.string()));
}

/// Extracts the whole newest tree of `image` into `target`; true on success.
inline bool extract(const fs::path& image, const fs::path& target) {
  capture("xorriso -osirrox on -indev " + quoted("stdio:" + image.string()) + " -extract / " +
          quoted(target.string()));
  return fs::exists(target);
}

inline std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    return {};
  }
  std::string data(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

/// Differences between two trees (regular files by content, names of
/// everything); empty when they are equal.
inline std::vector<std::string> differences(const fs::path& expected, const fs::path& actual) {
  std::vector<std::string> problems;
  auto names = [](const fs::path& root) {
    std::vector<std::string> list;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      list.push_back(entry.path().lexically_relative(root).string());
    }
    std::sort(list.begin(), list.end());
    return list;
  };
  const auto want = names(expected);
  const auto have = names(actual);
  if (want != have) {
    problems.push_back("different names");
  }
  for (const auto& name : want) {
    const fs::path left = expected / name;
    if (fs::is_regular_file(fs::symlink_status(left)) &&
        contents(left) != contents(actual / name)) {
      problems.push_back("content of " + name);
    }
  }
  return problems;
}

/// `xorriso -lsdl` of the entries of directory `dir` in the image (mode,
/// links, owner, group, size, date, name and link target), one per line,
/// with `dir` cut from the names so that two images can be compared.
inline std::string listing(const fs::path& image, const std::string& dir) {
  const std::string out = capture("xorriso -indev " + quoted("stdio:" + image.string()) +
                                  " -lsdl " + quoted(dir + "/*"));
  static const std::regex entry(R"(^\s*[-dlpcbs][-rwxsStT]{9}\s.*'(.*)$)");
  std::string lines;
  std::istringstream in(out);
  std::string line;
  const std::string prefix = "'" + dir + "/";
  while (std::getline(in, line)) {
    if (!std::regex_match(line, entry)) {
      continue;
    }
    if (const auto at = line.find(prefix); at != std::string::npos) {
      line.replace(at, prefix.size(), "'");
    }
    lines += line + "\n";
  }
  return lines;
}

/// Flips one byte of the first occurrence of `marker` in the file.
inline bool flip_byte(const fs::path& image, const std::string& marker) {
  std::string data = contents(image);
  const auto at = data.find(marker);
  if (at == std::string::npos) {
    return false;
  }
  std::fstream file(image, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(at));
  const char flipped = static_cast<char>(data[at] ^ 0x20);
  file.write(&flipped, 1);
  return static_cast<bool>(file);
}

} // namespace cback::test::iso
