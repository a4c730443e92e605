#pragma once

// Tray handling and medium preparation: the decisions the real-hardware
// paths take (docs/compatibility.md, "Tray" and "New disc or new session"),
// separated from the drive so that a fake drive can test them. On this
// machine only stdio: pseudo-drives exist, which have no tray and never
// need blanking; the hardware branches are exercised through the fake.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cback::media {

struct MediumState;
struct MediaTraits;

/// The tray operations of a drive.
class TrayControl {
public:
  virtual ~TrayControl() = default;
  [[nodiscard]] virtual bool can_eject() const = 0;
  virtual void open_tray() = 0;
  virtual void close_tray() = 0;
  virtual void pause(std::chrono::seconds duration) = 0;
};

struct TrayPolicy {
  bool no_eject = false;
  std::optional<int> eject_delay;         ///< seconds after opening
  std::optional<int> refresh_media_delay; ///< seconds after closing
};

/// The original's refreshMedia: open the tray, wait eject_delay, close it,
/// wait refresh_media_delay. The tray is left alone with no_eject or when
/// the drive cannot eject; the delays apply all the same (0 = none).
void refresh_media(TrayControl& tray, const TrayPolicy& policy);

/// What must happen to the medium before the session is written.
enum class Preparation {
  none,           ///< write as it is (blank, or appending)
  treat_as_blank, ///< overwriteable: grab as blank, the new image replaces the old
  erase,          ///< rewritable sequential media (CD-RW, DVD-RW): blank first
};

/// Decides the preparation for writing a new disc or appending a session.
/// Throws cback::Error(action) naming `device` when the medium cannot take
/// the write: no medium, a closed disc, a written write-once disc for a new
/// disc, or a configured rewritable type on a medium that cannot be erased.
Preparation prepare_for(const MediumState& state, bool new_disc, const std::string& device);

/// True when `mounts` (the text of /proc/self/mounts) lists `device`, by
/// its path or by the path it resolves to (docs/compatibility.md, "Store": a
/// mounted device is never written).
bool listed_as_mounted(const std::string& device, std::string_view mounts);

/// Throws cback::Error(action) when a device path (not stdio:) is mounted.
void refuse_mounted_device(const std::string& device);

/// check_media (docs/compatibility.md, "check_media"): rewritable media must carry a
/// "CEDAR BACKUP" label; write-once media may be unlabelled but not carry
/// a foreign label. Blank media have no label. Throws cback::Error(action).
void check_media_label(const MediumState& state, const MediaTraits& media,
                       const std::string& device);

} // namespace cback::media
