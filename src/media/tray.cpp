#include <cback/media/label.hpp>
#include <cback/media/tray.hpp>

#include <cback/core/error.hpp>
#include <cback/media/drive.hpp>
#include <cback/media/media_type.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace cback::media {
namespace {

void pause_for(TrayControl& tray, const std::optional<int>& seconds) {
  if (seconds && *seconds > 0) {
    tray.pause(std::chrono::seconds(*seconds));
  }
}

std::string resolved(const std::string& path) {
  std::error_code error;
  const auto canonical = std::filesystem::canonical(path, error);
  return error ? path : canonical.string();
}

} // namespace

bool listed_as_mounted(const std::string& device, std::string_view mounts) {
  const std::string real = resolved(device);
  std::istringstream lines{std::string(mounts)};
  std::string line;
  while (std::getline(lines, line)) {
    const std::string source = line.substr(0, line.find(' '));
    if (source == device || source == real ||
        (source.starts_with("/") && resolved(source) == real)) {
      return true;
    }
  }
  return false;
}

void refuse_mounted_device(const std::string& device) {
  if (device.starts_with("stdio:")) {
    return;
  }
  std::ifstream file("/proc/self/mounts");
  const std::string mounts{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (listed_as_mounted(device, mounts)) {
    throw Error(ExitCode::action,
                fmt::format("Device [{}] is mounted; unmount it before writing.", device));
  }
}

void refresh_media(TrayControl& tray, const TrayPolicy& policy) {
  // Decided once: a released drive cannot say whether it can eject.
  const bool use_tray = !policy.no_eject && tray.can_eject();
  if (use_tray) {
    tray.open_tray();
  }
  pause_for(tray, policy.eject_delay);
  if (use_tray) {
    tray.close_tray();
  }
  pause_for(tray, policy.refresh_media_delay);
}

Preparation prepare_for(const MediumState& state, bool new_disc, const std::string& device) {
  switch (state.status) {
  case DiscStatus::empty:
    throw Error(ExitCode::action, fmt::format("There is no medium in [{}].", device));
  case DiscStatus::unsuitable:
    throw Error(ExitCode::action,
                fmt::format("The medium in [{}] ({}) cannot be written.", device, state.profile));
  case DiscStatus::blank:
    return Preparation::none;
  case DiscStatus::appendable:
  case DiscStatus::full:
    break;
  }
  if (!new_disc) {
    if (state.status == DiscStatus::full && !state.overwriteable) {
      throw Error(ExitCode::action,
                  fmt::format("The medium in [{}] is closed; no session can be appended.", device));
    }
    return Preparation::none;
  }
  if (state.overwriteable) {
    return Preparation::treat_as_blank;
  }
  if (state.erasable) {
    return Preparation::erase;
  }
  throw Error(ExitCode::action,
              fmt::format("The medium in [{}] ({}) is written and cannot be erased; a new "
                          "disc needs a blank medium.",
                          device, state.profile));
}

void check_media_label(const MediumState& state, const MediaTraits& media,
                       const std::string& device) {
  const std::string label = state.volume_id.value_or("");
  if (media.rewritable) {
    if (!is_backup_label(label)) {
      throw Error(ExitCode::action,
                  fmt::format("Media in [{}] has not been initialized (label [{}]); run "
                              "'cback initialize' first.",
                              device, label));
    }
    return;
  }
  if (!label.empty() && !is_backup_label(label)) {
    throw Error(ExitCode::action,
                fmt::format("Media in [{}] has an unrecognized label [{}].", device, label));
  }
}

} // namespace cback::media
