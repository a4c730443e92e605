// The decisions of the real-hardware paths (tray, blanking, write type,
// capacity), taken against a fake drive: this machine has no burner.

#include <cback/core/error.hpp>
#include <cback/media/burner.hpp>
#include <cback/media/drive.hpp>
#include <cback/media/label.hpp>
#include <cback/media/media_type.hpp>
#include <cback/media/tray.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace cback::media;
using cback::config::MediaType;

namespace {

/// Records what was asked of the tray.
class FakeTray final : public TrayControl {
public:
  explicit FakeTray(bool can_eject) : m_can_eject(can_eject) {}
  [[nodiscard]] bool can_eject() const override { return m_can_eject; }
  void open_tray() override { calls.push_back("open"); }
  void close_tray() override { calls.push_back("close"); }
  void pause(std::chrono::seconds duration) override {
    calls.push_back("pause " + std::to_string(duration.count()));
  }
  std::vector<std::string> calls;

private:
  bool m_can_eject;
};

MediumState medium(DiscStatus status, int profile_code, bool erasable, bool overwriteable) {
  MediumState state;
  state.status = status;
  state.profile_code = profile_code;
  state.profile = "fake";
  state.erasable = erasable;
  state.overwriteable = overwriteable;
  return state;
}

constexpr int k_cdrw = 0x0a;
constexpr int k_cdr = 0x09;
constexpr int k_dvd_plus_rw = 0x1a;
constexpr int k_bd_r = 0x41;
constexpr int k_stdio = 0xffff;

} // namespace

TEST_CASE("Refreshing media opens the tray, waits, closes it and waits again", "[media][tray]") {
  FakeTray tray(true);
  refresh_media(tray, {false, 3, 5});
  CHECK(tray.calls == std::vector<std::string>{"open", "pause 3", "close", "pause 5"});
}

TEST_CASE("With no_eject or no tray the delays still apply", "[media][tray]") {
  FakeTray no_eject(true);
  refresh_media(no_eject, {true, 3, 5});
  CHECK(no_eject.calls == std::vector<std::string>{"pause 3", "pause 5"});
  FakeTray trayless(false);
  refresh_media(trayless, {false, std::nullopt, 2});
  CHECK(trayless.calls == std::vector<std::string>{"pause 2"});
  FakeTray zero(true);
  refresh_media(zero, {false, 0, 0});
  CHECK(zero.calls == std::vector<std::string>{"open", "close"});
}

TEST_CASE("A new disc on written rewritable media is blanked or treated as blank",
          "[media][tray]") {
  const std::string device = "/dev/sr0";
  CHECK(prepare_for(medium(DiscStatus::appendable, k_cdrw, true, false), true, device) ==
        Preparation::erase);
  CHECK(prepare_for(medium(DiscStatus::full, k_cdrw, true, false), true, device) ==
        Preparation::erase);
  CHECK(prepare_for(medium(DiscStatus::appendable, k_dvd_plus_rw, true, true), true, device) ==
        Preparation::treat_as_blank);
  CHECK(prepare_for(medium(DiscStatus::appendable, k_stdio, true, true), true, device) ==
        Preparation::treat_as_blank);
  CHECK(prepare_for(medium(DiscStatus::blank, k_cdr, false, false), true, device) ==
        Preparation::none);
}

TEST_CASE("Appending needs an appendable or blank medium", "[media][tray]") {
  const std::string device = "/dev/sr0";
  CHECK(prepare_for(medium(DiscStatus::appendable, k_cdr, false, false), false, device) ==
        Preparation::none);
  CHECK(prepare_for(medium(DiscStatus::blank, k_bd_r, false, false), false, device) ==
        Preparation::none);
  CHECK_THROWS_WITH(prepare_for(medium(DiscStatus::full, k_cdr, false, false), false, device),
                    Catch::Contains("is closed") && Catch::Contains("/dev/sr0"));
  CHECK_THROWS_WITH(prepare_for(medium(DiscStatus::empty, 0, false, false), false, device),
                    Catch::Contains("no medium"));
}

TEST_CASE("A new disc on a written write-once medium is refused", "[media][tray]") {
  CHECK_THROWS_WITH(
      prepare_for(medium(DiscStatus::appendable, k_cdr, false, false), true, "/dev/sr1"),
      Catch::Contains("cannot be erased") && Catch::Contains("/dev/sr1"));
}

TEST_CASE("CD media are written TAO, others as libburn chooses", "[media][tray]") {
  CHECK(write_type_for(medium(DiscStatus::blank, k_cdr, false, false)) == WriteType::tao);
  CHECK(write_type_for(medium(DiscStatus::appendable, k_cdrw, true, false)) == WriteType::tao);
  CHECK(write_type_for(medium(DiscStatus::blank, k_dvd_plus_rw, true, true)) ==
        WriteType::automatic);
  CHECK(write_type_for(medium(DiscStatus::blank, k_stdio, true, true)) == WriteType::automatic);
}

TEST_CASE("check_media wants a backup label on rewritable media only", "[media][tray]") {
  MediumState labelled = medium(DiscStatus::appendable, k_cdrw, true, false);
  labelled.volume_id = "CEDAR BACKUP 23-NOV-2026";
  MediumState foreign = labelled;
  foreign.volume_id = "FOREIGN";
  const MediumState unlabelled = medium(DiscStatus::blank, k_cdr, false, false);

  CHECK_NOTHROW(check_media_label(labelled, traits(MediaType::cdrw_74), "/dev/sr0"));
  CHECK_THROWS_WITH(check_media_label(unlabelled, traits(MediaType::cdrw_74), "/dev/sr0"),
                    Catch::Contains("has not been initialized"));
  CHECK_NOTHROW(check_media_label(unlabelled, traits(MediaType::cdr_74), "/dev/sr0"));
  CHECK_NOTHROW(check_media_label(labelled, traits(MediaType::cdr_74), "/dev/sr0"));
  CHECK_THROWS_WITH(check_media_label(foreign, traits(MediaType::cdr_74), "/dev/sr0"),
                    Catch::Contains("unrecognized label [FOREIGN]"));
}

TEST_CASE("Media capacities follow the original's figures", "[media][capacity]") {
  CHECK(traits(MediaType::cdr_74).capacity == 332'800LL * 2048);
  CHECK(traits(MediaType::cdrw_80).capacity == 358'400LL * 2048);
  CHECK(traits(MediaType::dvd_plus_r).capacity == 4'724'464'025LL);
  CHECK(traits(MediaType::dvd_minus_rw).capacity == 4'724'464'025LL);
  CHECK(traits(MediaType::bd_re).capacity == 12'219'392LL * 2048);
  CHECK(traits(MediaType::cdrw_74).rewritable);
  CHECK_FALSE(traits(MediaType::bd_r).rewritable);
  CHECK(traits(MediaType::dvd_minus_r).name == "dvd-r");
}

TEST_CASE("Available space subtracts the CD lead-in and never exceeds the drive's free space",
          "[media][capacity]") {
  MediumState blank = medium(DiscStatus::blank, k_cdr, false, false);
  blank.free_bytes = 1LL << 40;
  CHECK(available_bytes(traits(MediaType::cdr_74), blank) == (332'800LL - 11'400) * 2048);

  MediumState appendable = medium(DiscStatus::appendable, k_cdr, false, false);
  appendable.used_bytes = 100'000LL * 2048;
  appendable.free_bytes = 1LL << 40;
  CHECK(available_bytes(traits(MediaType::cdr_74), appendable) ==
        (332'800LL - 100'000 - 6'900) * 2048);

  MediumState small = medium(DiscStatus::appendable, k_dvd_plus_rw, true, true);
  small.used_bytes = 1'000'000;
  small.free_bytes = 5'000'000;
  CHECK(available_bytes(traits(MediaType::dvd_plus_rw), small) == 5'000'000);

  MediumState full = medium(DiscStatus::appendable, k_cdr, false, false);
  full.used_bytes = 340'000LL * 2048;
  full.free_bytes = 0;
  CHECK(available_bytes(traits(MediaType::cdr_74), full) == 0);
}

TEST_CASE("The blanking factor starts a new disc when little space is left for the image",
          "[media][capacity]") {
  const NewDisc rule{NewDisc::Rule::by_factor, 2.0};
  CHECK(decide_new_disc(rule, 100, 99)); // 100 / 100 = 1 <= 2
  CHECK(decide_new_disc(rule, 200, 99)); // 2 <= 2
  CHECK_FALSE(decide_new_disc(rule, 201, 99));
  CHECK(decide_new_disc({NewDisc::Rule::yes, 0.0}, 1'000'000, 1));
  CHECK_FALSE(decide_new_disc({NewDisc::Rule::no, 0.0}, 0, 1'000'000));
}

TEST_CASE("The default FIFO holds about ten seconds at the nominal speed", "[media][capacity]") {
  constexpr std::int64_t k_mib = 1024 * 1024;
  // DVD 16x: 16 × 1385 kB/s × 10 s = 221.6 MB, rounded up to a MiB.
  CHECK(default_fifo_size(MediaType::dvd_plus_r, 16) == 212 * k_mib);
  // CD 4x: 7 MB, rounded up to a MiB.
  CHECK(default_fifo_size(MediaType::cdr_74, 4) == 7 * k_mib);
  // Never below 4 MiB nor above 1 GiB.
  CHECK(default_fifo_size(MediaType::cdrw_74, 1) == 4 * k_mib);
  CHECK(default_fifo_size(MediaType::bd_r, 32) == 1024 * k_mib);
}

TEST_CASE("The volume label is the original's", "[media]") {
  using namespace std::chrono;
  CHECK(volume_label(year{2026} / November / 27) == "CEDAR BACKUP 27-NOV-2026");
  CHECK(volume_label(year{2027} / January / 3) == "CEDAR BACKUP 03-JAN-2027");
  CHECK(is_backup_label("CEDAR BACKUP 03-JAN-2027"));
  CHECK_FALSE(is_backup_label("BACKUP"));
}

TEST_CASE("A device listed in the mount table is recognised by path", "[media][tray]") {
  const std::string mounts = "/dev/sda1 / ext4 rw 0 0\n"
                             "/dev/sr0 /media/cdrom iso9660 ro 0 0\n"
                             "tmpfs /tmp tmpfs rw 0 0\n";
  CHECK(listed_as_mounted("/dev/sr0", mounts));
  CHECK_FALSE(listed_as_mounted("/dev/sr1", mounts));
  CHECK_FALSE(listed_as_mounted("/dev/sr1", ""));
  CHECK_NOTHROW(refuse_mounted_device("stdio:/dev/sda1"));
}
