#include <cback/media/drive.hpp>

#include <cback/core/error.hpp>
#include <cback/media/libraries.hpp>
#include <cback/media/library.hpp>

#include <fmt/format.h>

#include <thread>
#include <utility>
#include <vector>

namespace cback::media {
namespace {

// isoburn_drive_aquire flags (libisoburn.h).
constexpr int k_load_tray = 1 << 0;
constexpr int k_regard_as_blank = 1 << 1;
constexpr int k_truncate_stdio = 1 << 2;
constexpr int k_no_acl = 1 << 5;
constexpr int k_no_xattr = 1 << 6;

// burn_drive_get_drive_role: 1 = a real MMC drive; 2..5 = stdio flavours,
// 4 = random access, read-only.
constexpr int k_role_mmc = 1;
constexpr int k_role_read_only = 4;

std::string joined_errors() {
  std::string text;
  for (const auto& message : take_messages()) {
    if (message.severity == MessageSeverity::note) {
      continue;
    }
    text += text.empty() ? "" : "; ";
    text += message.text;
  }
  return text.empty() ? "no reason given" : text;
}

burn::burn_drive_info* acquire(const std::string& address, const std::string& name, Grab how) {
  ensure_library();
  int flags = k_no_acl | k_no_xattr;
  if (how != Grab::read_only) {
    flags |= k_load_tray;
  }
  if (how == Grab::as_blank) {
    flags |= k_regard_as_blank | k_truncate_stdio;
  }
  burn::burn_drive_info* info = nullptr;
  std::vector<char> adr(address.begin(), address.end());
  adr.push_back('\0');
  const int result = burn::isoburn_drive_aquire(&info, adr.data(), flags);
  if (result <= 0 || info == nullptr) {
    throw Error(ExitCode::action,
                fmt::format("Cannot grab the backup device [{}]: {}", name, joined_errors()));
  }
  if (how == Grab::read_only &&
      burn::burn_drive_get_drive_role(info[0].drive) != k_role_read_only) {
    burn::isoburn_drive_release(info[0].drive, 0);
    burn::burn_drive_info_free(info);
    throw Error(ExitCode::action,
                fmt::format("Cannot grab [{}] read-only: libburn offers it for writing.", name));
  }
  return info;
}

DiscStatus status_of(burn::burn_disc_status status) {
  switch (status) {
  case burn::BURN_DISC_BLANK:
    return DiscStatus::blank;
  case burn::BURN_DISC_APPENDABLE:
    return DiscStatus::appendable;
  case burn::BURN_DISC_FULL:
    return DiscStatus::full;
  case burn::BURN_DISC_EMPTY:
    return DiscStatus::empty;
  default:
    return DiscStatus::unsuitable;
  }
}

int count_sessions(burn::burn_drive* drive) {
  burn::isoburn_toc_disc* toc = burn::isoburn_toc_drive_get_disc(drive);
  if (toc == nullptr) {
    return 0;
  }
  int count = 0;
  burn::isoburn_toc_disc_get_sessions(toc, &count);
  burn::isoburn_toc_disc_free(toc);
  return count;
}

std::optional<std::string> read_volume_id(burn::burn_drive* drive) {
  int lba = 0;
  if (burn::isoburn_disc_get_msc1(drive, &lba) <= 0) {
    return std::nullopt;
  }
  int blocks = 0;
  char info[64] = {};
  constexpr int k_copy_volume_id = 1;
  if (burn::isoburn_read_iso_head(drive, lba, &blocks, info, k_copy_volume_id) <= 0) {
    return std::nullopt;
  }
  std::string id(info);
  while (!id.empty() && id.back() == ' ') {
    id.pop_back();
  }
  return id;
}

} // namespace

std::string_view name_of(DiscStatus status) {
  switch (status) {
  case DiscStatus::blank:
    return "blank";
  case DiscStatus::appendable:
    return "appendable";
  case DiscStatus::full:
    return "full (closed)";
  case DiscStatus::empty:
    return "no medium";
  case DiscStatus::unsuitable:
    return "unsuitable";
  }
  return "unknown";
}

Drive Drive::grab(const std::string& address, Grab how, std::string name) {
  if (name.empty()) {
    name = address;
  }
  burn::burn_drive_info* info = acquire(address, name, how);
  return Drive(address, std::move(name), info, how);
}

Drive::Drive(std::string address, std::string name, burn::burn_drive_info* info, Grab how)
    : m_address(std::move(address)), m_name(std::move(name)), m_info(info), m_grab(how) {}

Drive::Drive(Drive&& other) noexcept
    : m_address(std::move(other.m_address)), m_name(std::move(other.m_name)),
      m_info(std::exchange(other.m_info, nullptr)), m_grab(other.m_grab) {}

Drive& Drive::operator=(Drive&& other) noexcept {
  if (this != &other) {
    release(false);
    m_address = std::move(other.m_address);
    m_name = std::move(other.m_name);
    m_info = std::exchange(other.m_info, nullptr);
    m_grab = other.m_grab;
  }
  return *this;
}

Drive::~Drive() {
  release(false);
}

void Drive::release(bool eject) noexcept {
  if (m_info != nullptr) {
    burn::isoburn_drive_release(m_info[0].drive, eject ? 1 : 0);
    burn::burn_drive_info_free(m_info);
    m_info = nullptr;
  }
}

burn::burn_drive* Drive::handle() const {
  if (m_info == nullptr) {
    throw Error(ExitCode::action,
                fmt::format("The backup device [{}] is not grabbed (tray open?).", m_name));
  }
  return m_info[0].drive;
}

bool Drive::is_stdio() const {
  return burn::burn_drive_get_drive_role(handle()) != k_role_mmc;
}

MediumState Drive::state() const {
  burn::burn_drive* drive = handle();
  MediumState state;
  state.status = status_of(burn::isoburn_disc_get_status(drive));
  char profile[80] = {};
  burn::burn_disc_get_profile(drive, &state.profile_code, profile);
  state.profile = profile;
  state.erasable = burn::isoburn_disc_erasable(drive) != 0;
  state.overwriteable = burn::isoburn_needs_emulation(drive) == 1;
  if (state.status == DiscStatus::appendable || state.status == DiscStatus::full) {
    state.sessions = count_sessions(drive);
    state.volume_id = read_volume_id(drive);
  }
  if (state.status == DiscStatus::appendable) {
    int lba = 0;
    int nwa = 0;
    if (burn::isoburn_disc_track_lba_nwa(drive, nullptr, 0, &lba, &nwa) == 1) {
      state.used_bytes = std::int64_t{nwa} * 2048;
    }
  }
  state.free_bytes = burn::isoburn_disc_available_space(drive, nullptr);
  take_messages();
  return state;
}

void Drive::erase() {
  burn::burn_drive* drive = handle();
  burn::isoburn_disc_erase(drive, 1);
  burn::burn_progress progress{};
  while (burn::burn_drive_get_status(drive, &progress) != burn::BURN_DRIVE_IDLE) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (burn::isoburn_disc_get_status(drive) != burn::BURN_DISC_BLANK) {
    throw Error(ExitCode::action,
                fmt::format("Blanking the medium in [{}] failed: {}", m_name, joined_errors()));
  }
}

bool Drive::can_eject() const {
  return m_info != nullptr && !is_stdio();
}

void Drive::open_tray() {
  release(true);
}

void Drive::close_tray() {
  if (m_info == nullptr) {
    m_info = acquire(m_address, m_name, m_grab);
  }
}

void Drive::pause(std::chrono::seconds duration) {
  std::this_thread::sleep_for(duration);
}

} // namespace cback::media
