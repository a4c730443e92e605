#include <cback/bench_burn/units.hpp>

#include <cback/core/error.hpp>
#include <cback/media/media_type.hpp>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace cback::bench_burn {
namespace {

[[noreturn]] void bad(std::string_view what, std::string_view text) {
  throw Error(ExitCode::usage, fmt::format("Cannot read {} [{}].", what, text));
}

// The number at the start of `text` and what follows it.
std::pair<double, std::string_view> split_number(std::string_view what, std::string_view text) {
  double value = 0.0;
  const auto* end = text.data() + text.size();
  const auto [rest, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || !std::isfinite(value) || value < 0.0) {
    bad(what, text);
  }
  return {value, std::string_view(rest, static_cast<std::size_t>(end - rest))};
}

struct Suffix {
  std::string_view name;
  double factor;
};

double with_suffix(std::string_view what, std::string_view text,
                   std::initializer_list<Suffix> suffixes) {
  const auto [value, unit] = split_number(what, text);
  for (const auto& suffix : suffixes) {
    if (unit == suffix.name) {
      return value * suffix.factor;
    }
  }
  bad(what, text);
}

constexpr double k_kib = 1024.0;
constexpr double k_mib = k_kib * 1024.0;
constexpr double k_gib = k_mib * 1024.0;

double size_value(std::string_view what, std::string_view text) {
  return with_suffix(what, text,
                     {{"", 1.0},
                      {"K", k_kib},
                      {"k", k_kib},
                      {"KiB", k_kib},
                      {"KB", k_kib},
                      {"M", k_mib},
                      {"MiB", k_mib},
                      {"MB", k_mib},
                      {"G", k_gib},
                      {"GiB", k_gib},
                      {"GB", k_gib}});
}

} // namespace

double parse_speed(std::string_view text) {
  constexpr std::array<std::pair<std::string_view, media::Family>, 3> k_families{
      {{"cd:", media::Family::cd}, {"dvd:", media::Family::dvd}, {"bd:", media::Family::bd}}};
  for (const auto& [prefix, family] : k_families) {
    if (text.substr(0, prefix.size()) == prefix) {
      const auto [factor, rest] = split_number("a speed", text.substr(prefix.size()));
      if (!rest.empty() || factor <= 0.0) {
        bad("a speed", text);
      }
      return factor * media::kbytes_per_second_at_1x(family) * 1000.0;
    }
  }
  const double bytes = size_value("a speed", text);
  if (bytes <= 0.0) {
    bad("a speed", text);
  }
  return bytes;
}

std::int64_t parse_size(std::string_view text) {
  return static_cast<std::int64_t>(std::llround(size_value("a size", text)));
}

std::chrono::milliseconds parse_duration(std::string_view text) {
  const double ms = with_suffix("a duration", text, {{"ms", 1.0}, {"s", 1000.0}});
  return std::chrono::milliseconds(std::llround(ms));
}

Stall parse_stall(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    bad("a stall (PAUSE/PERIOD, e.g. 200ms/1s)", text);
  }
  Stall stall{parse_duration(text.substr(0, slash)), parse_duration(text.substr(slash + 1))};
  if (stall.pause.count() <= 0 || stall.pause >= stall.period) {
    bad("a stall (PAUSE shorter than PERIOD, e.g. 200ms/1s)", text);
  }
  return stall;
}

} // namespace cback::bench_burn
