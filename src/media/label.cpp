#include <cback/media/label.hpp>

#include <fmt/format.h>

#include <array>

namespace cback::media {

std::string volume_label(std::chrono::year_month_day day) {
  static constexpr std::array<std::string_view, 12> k_months{
      "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  const unsigned month = static_cast<unsigned>(day.month());
  return fmt::format("CEDAR BACKUP {:02}-{}-{:04}", static_cast<unsigned>(day.day()),
                     k_months.at(month - 1), static_cast<int>(day.year()));
}

bool is_backup_label(std::string_view label) {
  return label.starts_with("CEDAR BACKUP");
}

} // namespace cback::media
