#include <cback/config/target_device.hpp>

#include <cback/core/calendar.hpp>

#include <fmt/format.h>

namespace cback::config {

std::optional<std::string> target_device_problem(std::string_view device) {
  constexpr std::string_view k_stdio = "stdio:";
  const std::size_t file_name = device.rfind('/') == std::string_view::npos ? 0 : device.rfind('/');
  for (std::size_t at = device.find_first_of("{}"); at != std::string_view::npos;
       at = device.find_first_of("{}", at + 1)) {
    if (device.substr(at).starts_with(k_week_placeholder)) {
      if (!device.starts_with(k_stdio)) {
        return fmt::format("{} names an image file per week and needs a stdio: target",
                           k_week_placeholder);
      }
      if (at < file_name) {
        return fmt::format("{} belongs in the image's file name, not in a directory",
                           k_week_placeholder);
      }
      at += k_week_placeholder.size() - 1;
      continue;
    }
    const std::size_t end = device.find('}', at);
    const std::string_view shown = device[at] == '{' && end != std::string_view::npos
                                       ? device.substr(at, end - at + 1)
                                       : device.substr(at, 1);
    return fmt::format("has an unknown placeholder [{}] (the only one is {})", shown,
                       k_week_placeholder);
  }
  return std::nullopt;
}

std::string device_for_week(std::string_view device, std::chrono::year_month_day week_start) {
  const std::string date = core::date_text(week_start);
  std::string out(device);
  for (auto at = out.find(k_week_placeholder); at != std::string::npos;
       at = out.find(k_week_placeholder, at + date.size())) {
    out.replace(at, k_week_placeholder.size(), date);
  }
  return out;
}

std::chrono::weekday week_starts_on(const Config& config) {
  return to_chrono(config.options ? config.options->starting_day.value_or(Weekday::monday)
                                  : Weekday::monday);
}

std::string target_device_for(const Config& config, std::chrono::year_month_day today) {
  return device_for_week(config.store->target_device,
                         core::start_of_week(week_starts_on(config), today));
}

} // namespace cback::config
