#include "checks.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace cback::config::rules {
namespace {

void check_collect_file(const Collect& collect, const CollectFile& file, Problems& problems) {
  if (!collect.collect_mode && !file.collect_mode) {
    report(problems, file.where,
           fmt::format("Collect mode must either be set in parent collect section or individual "
                       "collect file [{}].",
                       file.abs_path));
  }
  if (!collect.archive_mode && !file.archive_mode) {
    report(problems, file.where,
           fmt::format("Archive mode must either be set in parent collect section or individual "
                       "collect file [{}].",
                       file.abs_path));
  }
}

void check_collect_dir(const Collect& collect, const CollectDir& dir, Problems& problems) {
  if (!collect.collect_mode && !dir.collect_mode) {
    report(problems, dir.where,
           fmt::format("Collect mode must either be set in parent collect section or individual "
                       "collect directory [{}].",
                       dir.abs_path));
  }
  if (!collect.archive_mode && !dir.archive_mode) {
    report(problems, dir.where,
           fmt::format("Archive mode must either be set in parent collect section or individual "
                       "collect directory [{}].",
                       dir.abs_path));
  }
  if (!collect.ignore_file && !dir.ignore_file) {
    report(problems, dir.where,
           fmt::format("Ignore file must either be set in parent collect section or individual "
                       "collect directory [{}].",
                       dir.abs_path));
  }
  if (dir.dereference && dir.link_depth < 1) {
    report(problems, dir.where,
           fmt::format("Dereference flag is only valid when a non-zero link depth is in use "
                       "(collect directory [{}]).",
                       dir.abs_path));
  }
}

// ------------------------------------------------------------------ store

struct MediaName {
  MediaType media;
  std::string_view name;
  DeviceType device; ///< the only device that writes it
};

constexpr std::array k_media{
    MediaName{MediaType::cdr_74, "cdr-74", DeviceType::cdwriter},
    MediaName{MediaType::cdrw_74, "cdrw-74", DeviceType::cdwriter},
    MediaName{MediaType::cdr_80, "cdr-80", DeviceType::cdwriter},
    MediaName{MediaType::cdrw_80, "cdrw-80", DeviceType::cdwriter},
    MediaName{MediaType::dvd_plus_r, "dvd+r", DeviceType::dvdwriter},
    MediaName{MediaType::dvd_plus_rw, "dvd+rw", DeviceType::dvdwriter},
    MediaName{MediaType::dvd_minus_r, "dvd-r", DeviceType::dvdwriter},
    MediaName{MediaType::dvd_minus_rw, "dvd-rw", DeviceType::dvdwriter},
    MediaName{MediaType::bd_r, "bd-r", DeviceType::bdwriter},
    MediaName{MediaType::bd_re, "bd-re", DeviceType::bdwriter},
};

std::string_view device_name(DeviceType device) {
  switch (device) {
  case DeviceType::cdwriter:
    return "cdwriter";
  case DeviceType::dvdwriter:
    return "dvdwriter";
  case DeviceType::bdwriter:
    return "bdwriter";
  }
  return "?";
}

void check_media_fits_device(const Store& store, Problems& problems) {
  const auto* media = std::find_if(k_media.begin(), k_media.end(),
                                   [&](const MediaName& m) { return m.media == store.media_type; });
  if (media == k_media.end() || media->device == store.device_type) {
    return;
  }
  std::string fitting;
  for (const auto& m : k_media) {
    if (m.device == store.device_type) {
      fitting += fitting.empty() ? "" : ", ";
      fitting += m.name;
    }
  }
  report(problems, store.where,
         fmt::format("Media type must match device type: [{}] is not written by a {} (it takes "
                     "{}).",
                     media->name, device_name(store.device_type), fitting));
}

void check_blank_behavior(const Store& store, Problems& problems) {
  if (!store.blank_behavior) {
    return;
  }
  // The original only complained when both values were missing, and then
  // failed at run time; a blanking behaviour needs both.
  const BlankBehavior& blank = *store.blank_behavior;
  if (!blank.mode) {
    report(problems, store.where,
           "If blanking behavior is provided, all values must be filled in: mode is missing.");
  }
  if (!blank.factor) {
    report(problems, store.where,
           "If blanking behavior is provided, all values must be filled in: factor is missing.");
    return;
  }
  const std::optional<double> factor = parse_float(*blank.factor);
  if (!factor || *factor < 0.0) {
    report(problems, store.where,
           fmt::format("Blanking factor must be a number of at least 0, not [{}].", *blank.factor));
  }
}

// libisoburn's FIFO takes 64 KiB to 1 GiB.
void check_fifo_size(const Store& store, Problems& problems) {
  constexpr double k_min = 64.0 * 1024;
  constexpr double k_max = 1024.0 * 1024 * 1024;
  if (store.fifo_size && (store.fifo_size->bytes < k_min || store.fifo_size->bytes > k_max)) {
    report(problems, store.where,
           fmt::format("fifo_size must be between 64 KiB and 1 GiB, not [{}].",
                       store.fifo_size->text));
  }
}

} // namespace

std::optional<double> parse_float(std::string_view text) {
  constexpr std::string_view k_blanks = " \t\r\n\f\v";
  const auto first = text.find_first_not_of(k_blanks);
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  text = text.substr(first, text.find_last_not_of(k_blanks) - first + 1);
  if (text.starts_with('+')) {
    text.remove_prefix(1);
    if (text.starts_with('-')) {
      return std::nullopt;
    }
  }
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

void check_collect(const Config& config, Problems& problems) {
  if (!config.collect) {
    return;
  }
  const Collect& collect = *config.collect;
  if (!collect.exclude.rel_path.empty()) {
    report(problems, collect.where,
           "Relative path excludes (rel_path) are not allowed at collect section level; put "
           "them inside a dir.");
  }
  for (const auto& file : collect.files) {
    check_collect_file(collect, file, problems);
  }
  for (const auto& dir : collect.dirs) {
    check_collect_dir(collect, dir, problems);
  }
}

void check_store(const Config& config, Problems& problems) {
  if (!config.store) {
    return;
  }
  // target_scsi_id with a dvdwriter is left alone: the original ignores it
  // with a warning at run time, and so do we.
  check_media_fits_device(*config.store, problems);
  check_blank_behavior(*config.store, problems);
  check_fifo_size(*config.store, problems);
}

} // namespace cback::config::rules
