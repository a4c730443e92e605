#include <cback/media/label.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace cback::media {
namespace {

constexpr std::string_view k_prefix = "CEDAR BACKUP ";
constexpr std::array<std::string_view, 12> k_months{"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                    "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

std::optional<unsigned> number(std::string_view text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

} // namespace

std::string volume_label(std::chrono::year_month_day day) {
  const unsigned month = static_cast<unsigned>(day.month());
  return fmt::format("{}{:02}-{}-{:04}", k_prefix, static_cast<unsigned>(day.day()),
                     k_months.at(month - 1), static_cast<int>(day.year()));
}

bool is_backup_label(std::string_view label) {
  return label.starts_with("CEDAR BACKUP");
}

std::optional<std::chrono::year_month_day> label_day(std::string_view label) {
  // "CEDAR BACKUP DD-MON-YYYY"
  if (!label.starts_with(k_prefix) || label.size() != k_prefix.size() + 11) {
    return std::nullopt;
  }
  const std::string_view date = label.substr(k_prefix.size());
  const auto month = std::find(k_months.begin(), k_months.end(), date.substr(3, 3));
  const auto day = number(date.substr(0, 2));
  const auto year = number(date.substr(7, 4));
  if (date[2] != '-' || date[6] != '-' || month == k_months.end() || !day || !year) {
    return std::nullopt;
  }
  const std::chrono::year_month_day result{
      std::chrono::year{static_cast<int>(*year)},
      std::chrono::month{static_cast<unsigned>(month - k_months.begin()) + 1},
      std::chrono::day{*day}};
  return result.ok() ? std::optional(result) : std::nullopt;
}

} // namespace cback::media
