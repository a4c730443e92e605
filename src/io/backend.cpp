#include <cback/io/backend.hpp>

#include "engines.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace cback::io {

std::optional<Preference> parse_preference(std::string_view text) {
  if (text == "auto") {
    return Preference::automatic;
  }
  if (text == "uring") {
    return Preference::uring;
  }
  if (text == "posix") {
    return Preference::posix;
  }
  return std::nullopt;
}

std::string_view to_string(Preference preference) {
  switch (preference) {
  case Preference::automatic:
    return "auto";
  case Preference::uring:
    return "uring";
  case Preference::posix:
    return "posix";
  }
  return "?";
}

std::string_view to_string(BackendKind kind) {
  return kind == BackendKind::uring ? "io_uring" : "posix threads";
}

namespace {

/// The preference after CBACK_IO, which replaces the options' when set.
tl::expected<Preference, std::string> effective_preference(const BackendOptions& options) {
  const char* value =
      options.environment != nullptr ? options.environment : std::getenv("CBACK_IO");
  if (value == nullptr || *value == '\0') {
    return options.preference;
  }
  if (auto parsed = parse_preference(value)) {
    return *parsed;
  }
  return tl::make_unexpected(
      fmt::format("CBACK_IO={} is not an I/O backend (use auto, uring or posix)", value));
}

std::string describe(const IoError& error) {
  const std::string hint = detail::uring_hint(error.error_number);
  return hint.empty() ? error.message() : fmt::format("{} ({})", error.message(), hint);
}

} // namespace

tl::expected<std::unique_ptr<Backend>, std::string> make_backend(const BackendOptions& options) {
  const auto preference = effective_preference(options);
  if (!preference) {
    return tl::make_unexpected(preference.error());
  }
  if (*preference == Preference::posix) {
    return detail::make_posix_backend(options.posix_threads);
  }
  const auto unavailable = detail::probe_uring();
  if (!unavailable) {
    return detail::make_uring_backend();
  }
  if (*preference == Preference::uring) {
    return tl::make_unexpected(fmt::format(
        "the io_uring I/O backend was asked for but is unavailable: {}", describe(*unavailable)));
  }
  auto fallback = detail::make_posix_backend(options.posix_threads);
  fallback->set_note(fmt::format("io_uring unavailable ({}); file I/O uses posix threads",
                                 describe(*unavailable)));
  return fallback;
}

tl::expected<std::unique_ptr<Backend>, std::string> make_backend(Preference preference) {
  BackendOptions options;
  options.preference = preference;
  return make_backend(options);
}

} // namespace cback::io
