#include <cback/core/calendar.hpp>

#include <cback/core/error.hpp>

#include <charconv>
#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

namespace cback::core {

namespace {

std::optional<int> parse_digits(std::string_view text) {
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::chrono::year_month_day local_date() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  return std::chrono::year_month_day{std::chrono::year{local.tm_year + 1900},
                                     std::chrono::month{static_cast<unsigned>(local.tm_mon + 1)},
                                     std::chrono::day{static_cast<unsigned>(local.tm_mday)}};
}

} // namespace

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  const auto year = parse_digits(text.substr(0, 4));
  const auto month = parse_digits(text.substr(5, 2));
  const auto day = parse_digits(text.substr(8, 2));
  if (!year || !month || !day) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{*year},
                                         std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) {
    return std::nullopt;
  }
  return date;
}

std::chrono::year_month_day today() {
  const char* simulated = std::getenv("CBACK_TODAY");
  if (simulated == nullptr || *simulated == '\0') {
    return local_date();
  }
  if (const auto date = parse_date(simulated)) {
    return *date;
  }
  throw Error(ExitCode::usage,
              fmt::format("CBACK_TODAY=[{}] is not a date of the form YYYY-MM-DD", simulated));
}

std::string date_text(std::chrono::year_month_day day) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(day.year()),
                     static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

bool is_start_of_week(std::chrono::weekday starting_day, std::chrono::year_month_day day) {
  return std::chrono::weekday{std::chrono::sys_days{day}} == starting_day;
}

std::chrono::year_month_day start_of_week(std::chrono::weekday starting_day,
                                          std::chrono::year_month_day day) {
  const std::chrono::sys_days date{day};
  // weekday difference is taken modulo 7: 0..6 days back.
  return std::chrono::year_month_day{date - (std::chrono::weekday{date} - starting_day)};
}

} // namespace cback::core
