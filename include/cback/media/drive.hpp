#pragma once

// A grabbed drive: a real burner (/dev/sr0) or a libburn pseudo-drive on a
// file ("stdio:/path/img"), through libisoburn, which emulates multisession
// on overwriteable media (DVD+RW, BD-RE, stdio files) so that one code path
// serves every medium.

#include <cback/media/tray.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace burn {
struct burn_drive;
struct burn_drive_info;
} // namespace burn

namespace cback::media {

enum class DiscStatus { blank, appendable, full, empty, unsuitable };

/// What the medium in a drive holds, as the drive reports it.
struct MediumState {
  DiscStatus status = DiscStatus::empty;
  std::string profile; ///< libburn's profile name: "CD-RW", "DVD+RW", "stdio file"
  int profile_code = 0;
  bool erasable = false;      ///< can be blanked (CD-RW, DVD-RW, overwriteable media)
  bool overwriteable = false; ///< multisession is emulated (DVD+RW, BD-RE, stdio)
  int sessions = 0;
  std::int64_t used_bytes = 0;          ///< where the next session would start
  std::int64_t free_bytes = 0;          ///< what the drive says may still be written
  std::optional<std::string> volume_id; ///< of the newest session, if readable
};

std::string_view name_of(DiscStatus status);

/// How a drive is grabbed.
enum class Grab {
  as_is,
  /// Overwriteable media (and stdio files) are regarded as blank: the next
  /// write starts a new disc. Nothing is written until then; a stdio file
  /// is truncated to the new image when the write begins.
  as_blank,
  /// Only for reading: the address is "stdio:/dev/fd/N" of a descriptor
  /// the caller opened O_RDONLY, which libburn takes as a read-only
  /// pseudo-drive that refuses every write. The grab fails when libburn
  /// does not classify it so.
  read_only,
};

class Drive final : public TrayControl {
public:
  /// Grabs `address` ("/dev/sr0" or "stdio:/path"). Messages name the
  /// drive `name` (default: the address), e.g. the file behind a
  /// "stdio:/dev/fd/N". Throws cback::Error (action) naming it and the
  /// library's reason.
  static Drive grab(const std::string& address, Grab how = Grab::as_is, std::string name = {});

  Drive(Drive&& other) noexcept;
  Drive& operator=(Drive&& other) noexcept;
  Drive(const Drive&) = delete;
  Drive& operator=(const Drive&) = delete;
  ~Drive() override;

  [[nodiscard]] MediumState state() const;
  /// What libburn grabbed.
  [[nodiscard]] const std::string& address() const { return m_address; }
  /// What messages call the drive.
  [[nodiscard]] const std::string& name() const { return m_name; }
  /// A pseudo-drive on a file or a device that is not an optical drive.
  [[nodiscard]] bool is_stdio() const;
  /// Blanks the medium (fast); on overwriteable media this invalidates the
  /// ISO image (libisoburn). Throws cback::Error on failure.
  void erase();

  // TrayControl: libburn opens the tray by releasing the drive with eject
  // and closes it by grabbing again with load.
  [[nodiscard]] bool can_eject() const override;
  void open_tray() override;
  void close_tray() override;
  void pause(std::chrono::seconds duration) override;

  /// The libburn handle, for src/media only.
  [[nodiscard]] burn::burn_drive* handle() const;

private:
  Drive(std::string address, std::string name, burn::burn_drive_info* info, Grab how);
  void release(bool eject) noexcept;

  std::string m_address;
  std::string m_name;
  burn::burn_drive_info* m_info = nullptr;
  Grab m_grab = Grab::as_is;
};

} // namespace cback::media
