#pragma once

// One write of the store, rebuild and initialize actions, from grabbing the
// drive to the verified session: check_media, the new-disc decision,
// medium preparation (treat as blank, or erase), the capacity check, the
// write through the FIFO, the tray refresh and check_data. Tools such as
// cback-span and cback-bench use the same entry point.

#include <cback/config/model.hpp>
#include <cback/media/drive.hpp>
#include <cback/media/media_type.hpp>
#include <cback/media/session.hpp>
#include <cback/media/tray.hpp>
#include <cback/media/verify.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cback::core {
class Logger;
class StopFlag;
} // namespace cback::core

namespace cback::media {

/// The writer's settings, from the [store] section.
struct BurnerOptions {
  std::string device; ///< target_device: "/dev/sr0" or "stdio:/path"
  config::MediaType media_type = config::MediaType::cdrw_74;
  std::optional<int> drive_speed; ///< the "x" factor
  std::int64_t fifo_size = 0;     ///< bytes
  bool check_media = false;
  TrayPolicy tray;
  /// The first day of a week, for the name an image file replaced by a new
  /// disc is kept under (replacement_image.hpp).
  std::chrono::weekday starting_day = std::chrono::Monday;
};

/// The options of the [store] section (fifo_size defaulted per media type).
BurnerOptions burner_options(const config::Store& store);

/// Whether the session starts a new disc.
struct NewDisc {
  enum class Rule { no, yes, by_factor };
  Rule rule = Rule::no;
  double factor = 0.0; ///< by_factor: new when available / (1 + image) <= factor
};

struct BurnRequest {
  std::vector<Graft> grafts;
  std::string label; ///< the volume id
  NewDisc new_disc;
  bool verify = false;    ///< check_data
  WriteObserver observer; ///< optional: sees the write every 10 ms (progress, FIFO plots)
};

struct BurnResult {
  MediumState before;
  bool new_disc = false;
  std::int64_t available = 0; ///< bytes the session could take
  WriteReport write;
  std::optional<VerifyReport> verify;
};

/// Bytes a session may take on `state`: the media type's capacity less what
/// is used and the CD session overhead, and never more than the drive
/// reports free.
std::int64_t available_bytes(const MediaTraits& media, const MediumState& state);

/// Bytes a session may take on a blank medium of the type: its capacity
/// less the first session's overhead.
std::int64_t blank_capacity(const MediaTraits& media);

/// The family of a libburn profile code (CD 0x08-0x0a, DVD 0x10-0x2b, BD
/// 0x40-0x43); nullopt for stdio and others.
std::optional<Family> family_of_profile(int profile_code);

/// TAO for CD media (multisession needs it; the original's cdrecord -multi
/// wrote TAO), libburn's choice for everything else.
WriteType write_type_for(const MediumState& state);

/// The new-disc decision once the image estimate and the available space
/// are known (docs/compatibility.md, "New disc or new session").
bool decide_new_disc(const NewDisc& rule, std::int64_t available, std::int64_t image_bytes);

/// Performs the write, reading the staged files through `io` (the run's
/// backend). Throws cback::Error naming the device; when it throws before
/// the write began, the medium is untouched.
BurnResult write_to_medium(const BurnerOptions& options, const BurnRequest& request,
                           io::Backend& io, core::Logger& log,
                           const core::StopFlag* stop = nullptr);

} // namespace cback::media
