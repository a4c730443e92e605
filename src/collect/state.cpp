#include <cback/collect/state.hpp>

#include <cback/core/atomic_file.hpp>
#include <cback/core/error.hpp>
#include <cback/core/read_file.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <system_error>

#include <fmt/format.h>

namespace cback::collect {

namespace {

constexpr std::string_view k_magic = "cback-state 1";
constexpr std::size_t k_fixed_fields = 7; // kind size mtime ctime inode mode digest

char kind_letter(EntryKind kind) {
  switch (kind) {
  case EntryKind::file:
    return 'f';
  case EntryKind::directory:
    return 'd';
  case EntryKind::symlink:
    return 'l';
  }
  return 'f';
}

std::optional<EntryKind> kind_from_letter(std::string_view text) {
  if (text == "f") {
    return EntryKind::file;
  }
  if (text == "d") {
    return EntryKind::directory;
  }
  if (text == "l") {
    return EntryKind::symlink;
  }
  return std::nullopt;
}

// Paths are bytes: a backslash and the control bytes (newline above all) are
// escaped; every other byte, UTF-8 or not, is written as it is.
void append_escaped(std::string& out, std::string_view path) {
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\') {
      out.append("\\\\");
    } else if (byte < 0x20 || byte == 0x7f) {
      out.append(fmt::format("\\x{:02x}", byte));
    } else {
      out.push_back(c);
    }
  }
}

std::optional<std::string> unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
    } else if (i + 3 < text.size() && text[i + 1] == 'x') {
      unsigned value = 0;
      const auto* first = text.data() + i + 2;
      const auto [end, error] = std::from_chars(first, first + 2, value, 16);
      if (error != std::errc() || end != first + 2) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(value));
      i += 3;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

template <typename Number>
bool parse_number(std::string_view text, Number& value, int base = 10) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// One line: seven fields separated by single spaces, then the escaped path
// (which may hold spaces itself).
tl::expected<std::pair<std::string, Fingerprint>, std::string> parse_line(std::string_view line) {
  std::array<std::string_view, k_fixed_fields> fields;
  for (auto& field : fields) {
    const auto space = line.find(' ');
    if (space == std::string_view::npos) {
      return tl::unexpected(std::string("too few fields"));
    }
    field = line.substr(0, space);
    line.remove_prefix(space + 1);
  }
  Fingerprint print;
  const auto kind = kind_from_letter(fields[0]);
  if (!kind) {
    return tl::unexpected(fmt::format("unknown kind [{}]", fields[0]));
  }
  print.kind = *kind;
  if (!parse_number(fields[1], print.size) || !parse_number(fields[2], print.mtime_ns) ||
      !parse_number(fields[3], print.ctime_ns) || !parse_number(fields[4], print.inode) ||
      !parse_number(fields[5], print.mode, 8)) {
    return tl::unexpected(std::string("malformed number"));
  }
  if (fields[6] != "-") {
    print.digest = digest_from_hex(fields[6]);
    if (!print.digest) {
      return tl::unexpected(std::string("malformed digest"));
    }
  }
  auto path = unescape(line);
  if (!path || path->empty()) {
    return tl::unexpected(std::string("malformed path"));
  }
  return std::pair{std::move(*path), print};
}

} // namespace

Fingerprint Fingerprint::of(const Entry& entry) {
  Fingerprint print;
  print.kind = entry.kind;
  print.size = entry.stat.size;
  print.mtime_ns = entry.stat.mtime_ns;
  print.ctime_ns = entry.stat.ctime_ns;
  print.inode = entry.stat.ino;
  print.mode = entry.stat.mode;
  return print;
}

const Fingerprint* State::find(const std::string& path) const {
  const auto found = m_entries.find(path);
  return found == m_entries.end() ? nullptr : &found->second;
}

void State::put(std::string path, Fingerprint fingerprint) {
  m_entries.insert_or_assign(std::move(path), fingerprint);
}

bool State::add(std::string path, Fingerprint fingerprint) {
  return m_entries.try_emplace(std::move(path), fingerprint).second;
}

std::string encode_state(const State& state) {
  std::vector<const std::pair<const std::string, Fingerprint>*> sorted;
  sorted.reserve(state.size());
  for (const auto& entry : state.entries()) {
    sorted.push_back(&entry);
  }
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::string out;
  out.reserve(64 + state.size() * 96);
  out.append(k_magic).push_back('\n');
  for (const auto* entry : sorted) {
    const auto& print = entry->second;
    out.append(fmt::format("{} {} {} {} {} {:o} {} ", kind_letter(print.kind), print.size,
                           print.mtime_ns, print.ctime_ns, print.inode, print.mode,
                           print.digest ? to_hex(*print.digest) : "-"));
    append_escaped(out, entry->first);
    out.push_back('\n');
  }
  out.append(fmt::format("end {}\n", state.size()));
  return out;
}

tl::expected<State, std::string> decode_state(std::string_view text) {
  if (text.substr(0, k_magic.size() + 1) != fmt::format("{}\n", k_magic)) {
    return tl::unexpected(std::string("line 1: not a cback state file (version 1)"));
  }
  text.remove_prefix(k_magic.size() + 1);
  State state;
  state.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')));
  for (std::size_t number = 2; !text.empty(); ++number) {
    const auto newline = text.find('\n');
    if (newline == std::string_view::npos) {
      return tl::unexpected(fmt::format("line {}: truncated", number));
    }
    const auto line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    if (line.starts_with("end ")) {
      std::size_t count = 0;
      if (!parse_number(line.substr(4), count) || count != state.size() || !text.empty()) {
        return tl::unexpected(fmt::format("line {}: the end line does not match", number));
      }
      return state;
    }
    auto parsed = parse_line(line);
    if (!parsed) {
      return tl::unexpected(fmt::format("line {}: {}", number, parsed.error()));
    }
    if (!state.add(std::move(parsed->first), parsed->second)) {
      return tl::unexpected(fmt::format("line {}: duplicate path", number));
    }
  }
  return tl::unexpected(std::string("truncated: no end line"));
}

LoadedState load_state(const std::string& path) {
  const auto content = core::read_file(path);
  if (!content) {
    if (content.error() == std::errc::no_such_file_or_directory) {
      return {};
    }
    return {State{}, Problem{path, fmt::format("cannot read incremental state: {}",
                                               content.error().message())}};
  }
  auto state = decode_state(*content);
  if (!state) {
    return {State{}, Problem{path, "corrupt incremental state, starting afresh: " + state.error()}};
  }
  return {std::move(*state), std::nullopt};
}

tl::expected<void, std::string> save_state(const std::string& path, const State& state) {
  try {
    core::AtomicFile file(path);
    file.write(encode_state(state));
    file.commit();
    return {};
  } catch (const Error& error) {
    return tl::unexpected(std::string(error.what()));
  }
}

} // namespace cback::collect
