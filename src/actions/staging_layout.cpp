#include <cback/actions/staging_layout.hpp>

#include <fmt/format.h>

namespace cback::actions {

std::string graft_point(std::chrono::year_month_day day) {
  return fmt::format("{:04}/{:02}/{:02}", static_cast<int>(day.year()),
                     static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

std::filesystem::path daily_dir(const std::filesystem::path& root,
                                std::chrono::year_month_day day) {
  return root / graft_point(day);
}

} // namespace cback::actions
