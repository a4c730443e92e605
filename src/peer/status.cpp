#include <cback/peer/status.hpp>

#include <cback/core/atomic_file.hpp>
#include <cback/core/field_escape.hpp>
#include <cback/core/read_file.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include <fmt/format.h>

namespace cback::peer {

namespace {

constexpr std::array<std::string_view, 4> k_state_names{"staged", "failed", "not-ready", "skipped"};

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) {
      return parts;
    }
    start = end + 1;
  }
}

bool parse_number(std::string_view text, std::uint64_t& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// "peer <state> <files> <bytes> <sent> <ms> <name>\t<error>"
std::optional<PeerStatus> parse_peer(std::string_view rest) {
  const auto fields = split(rest, ' ');
  if (fields.size() < 6) {
    return std::nullopt;
  }
  PeerStatus peer;
  const auto state = std::find(k_state_names.begin(), k_state_names.end(), fields[0]);
  if (state == k_state_names.end() || !parse_number(fields[1], peer.files) ||
      !parse_number(fields[2], peer.bytes) || !parse_number(fields[3], peer.sent) ||
      !parse_number(fields[4], peer.duration_ms)) {
    return std::nullopt;
  }
  peer.state = static_cast<PeerState>(state - k_state_names.begin());
  std::size_t name_start = 0;
  for (int i = 0; i < 5; ++i) {
    name_start = rest.find(' ', name_start) + 1;
  }
  const auto tail = rest.substr(name_start);
  const auto tab = tail.find('\t');
  auto name = core::unescape_field(tail.substr(0, tab));
  auto error = tab == std::string_view::npos ? std::optional<std::string>()
                                             : core::unescape_field(tail.substr(tab + 1));
  if (!name || !error || name->empty()) {
    return std::nullopt;
  }
  peer.peer = std::move(*name);
  peer.error = std::move(*error);
  return peer;
}

} // namespace

std::string_view to_string(PeerState state) {
  return k_state_names.at(static_cast<std::size_t>(state));
}

std::string encode_status(const StageStatus& status) {
  std::string out = fmt::format("cback-stage-status {} {}\n", k_status_version, status.date);
  for (const auto& peer : status.peers) {
    out += fmt::format("peer {} {} {} {} {} {}\t{}\n", to_string(peer.state), peer.files,
                       peer.bytes, peer.sent, peer.duration_ms, core::escape_field(peer.peer),
                       core::escape_field(peer.error));
  }
  out += fmt::format("end {}\n", status.peers.size());
  return out;
}

tl::expected<StageStatus, std::string> decode_status(std::string_view text) {
  auto lines = split(text, '\n');
  if (lines.empty() || !lines.back().empty()) {
    return tl::unexpected(std::string("the last line does not end with a newline"));
  }
  lines.pop_back();
  const auto first = split(lines.empty() ? std::string_view() : lines.front(), ' ');
  if (first.size() != 3 || first[0] != "cback-stage-status" ||
      first[1] != std::to_string(k_status_version)) {
    return tl::unexpected(std::string("line 1: not a cback stage status, version 1"));
  }
  StageStatus status;
  status.date = std::string(first[2]);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto line = lines[i];
    std::uint64_t count = 0;
    if (line.starts_with("end ") && i + 1 == lines.size() && parse_number(line.substr(4), count) &&
        count == status.peers.size()) {
      return status;
    }
    auto peer = line.starts_with("peer ") ? parse_peer(line.substr(5)) : std::nullopt;
    if (!peer) {
      return tl::unexpected(fmt::format("line {}: not a valid record", i + 1));
    }
    status.peers.push_back(std::move(*peer));
  }
  return tl::unexpected(std::string("no valid end line: the file is incomplete"));
}

tl::expected<StageStatus, std::string> load_status(const std::filesystem::path& path) {
  const auto text = core::read_file(path);
  if (!text) {
    return tl::unexpected(fmt::format("{}: {}", path.string(), text.error().message()));
  }
  auto status = decode_status(*text);
  if (!status) {
    return tl::unexpected(fmt::format("{}: {}", path.string(), status.error()));
  }
  return status;
}

void write_status(const std::filesystem::path& path, const StageStatus& status) {
  core::AtomicFile file(path, 0644);
  file.write(encode_status(status));
  file.commit();
}

} // namespace cback::peer
