#include <cback/media/label.hpp>
#include <cback/media/tray.hpp>

#include <cback/core/error.hpp>
#include <cback/media/drive.hpp>
#include <cback/media/media_type.hpp>

#include <fmt/format.h>

namespace cback::media {
namespace {

void pause_for(TrayControl& tray, const std::optional<int>& seconds) {
  if (seconds && *seconds > 0) {
    tray.pause(std::chrono::seconds(*seconds));
  }
}

} // namespace

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
