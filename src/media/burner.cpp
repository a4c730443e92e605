#include <cback/media/burner.hpp>

#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/progress.hpp>
#include <cback/media/label.hpp>
#include <cback/media/replacement_image.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <sys/stat.h>

namespace cback::media {
namespace {

using core::display_bytes;

void log_state(core::Logger& log, const std::string& device, const MediumState& state) {
  log.info("Medium in [{}]: {} ({}), {} session(s), {} used, {} free{}.", device, state.profile,
           name_of(state.status), state.sessions, display_bytes(state.used_bytes),
           display_bytes(state.free_bytes),
           state.volume_id ? fmt::format(", label [{}]", *state.volume_id) : std::string());
}

// The configured media type against what a real drive reports.
void cross_check(core::Logger& log, const BurnerOptions& options, const MediumState& state) {
  const auto family = family_of_profile(state.profile_code);
  const MediaTraits& media = traits(options.media_type);
  if (family && *family != media.family) {
    log.warning("The medium in [{}] is {} but the configured media type is {}.", options.device,
                state.profile, media.name);
  }
}

SessionSpec make_spec(const BurnerOptions& options, const BurnRequest& request, io::Backend& io) {
  const MediaTraits& media = traits(options.media_type);
  SessionSpec spec;
  spec.io = &io;
  spec.grafts = request.grafts;
  spec.volume_id = request.label;
  spec.fifo_size = options.fifo_size;
  if (options.drive_speed) {
    spec.speed_kbs = *options.drive_speed * kbytes_per_second_at_1x(media.family);
  }
  return spec;
}

// An empty FIFO means the drive waited for data. A burner then risks an
// underrun; an image file just waits (libburn does not throttle it, so it
// outruns any source), which is worth a note, not a warning.
void log_write(core::Logger& log, const std::string& device, const WriteReport& report,
               bool burner) {
  const double seconds = std::max(report.duration.count(), 1e-6);
  log.info("Wrote a session of {} ({} files, {} of content) to [{}] at byte {} in {:.1f} s ({}).",
           display_bytes(report.image_bytes), report.files, display_bytes(report.content_bytes),
           device, report.start_byte, report.duration.count(),
           core::display_rate(static_cast<double>(report.image_bytes) / seconds));
  log.info("FIFO of {}: minimum fill {} while writing.", display_bytes(report.fifo_size),
           display_bytes(report.fifo_min_fill));
  if (report.buffer_min_fill) {
    log.info("Drive buffer of {}: minimum fill {}.", display_bytes(report.buffer_capacity),
             display_bytes(*report.buffer_min_fill));
  } else {
    log.info("Drive buffer: not reported by [{}].", device);
  }
  if (report.fifo_empty_count > 0 && !burner) {
    log.info("The FIFO ran empty {} time(s): the image file [{}] took data faster than it "
             "was produced.",
             report.fifo_empty_count, device);
  } else if (report.fifo_empty_count > 0) {
    log.warning("The FIFO ran empty {} time(s) while writing to [{}]: the drive waited for "
                "data (a buffer underrun on a real burner without protection). A larger "
                "store fifo_size or a slower drive_speed avoids it.",
                report.fifo_empty_count, device);
  }
}

// Blanks sequential rewritable media after checking that the new image
// fits a blank disc, so that a refused write leaves the medium untouched.
void erase_for_new_disc(Drive& drive, const BurnerOptions& options, const SessionSpec& spec,
                        core::Logger& log) {
  const MediaTraits& media = traits(options.media_type);
  const std::int64_t estimate = image_size(drive, spec, log);
  const std::int64_t capacity = blank_capacity(media);
  if (estimate > capacity) {
    throw Error(ExitCode::action,
                fmt::format("Media does not contain enough capacity to store image: the image "
                            "needs {}, a blank {} has {} ({} short).",
                            display_bytes(estimate), media.name, display_bytes(capacity),
                            display_bytes(estimate - capacity)));
  }
  log.info("Blanking the medium in [{}].", options.device);
  drive.erase();
  refresh_media(drive, options.tray);
}

bool choose_new_disc(Drive& drive, const BurnerOptions& options, const BurnRequest& request,
                     const SessionSpec& spec, const MediumState& state, core::Logger& log) {
  if (request.new_disc.rule != NewDisc::Rule::by_factor || state.status == DiscStatus::blank) {
    return request.new_disc.rule == NewDisc::Rule::yes;
  }
  const std::int64_t available = available_bytes(traits(options.media_type), state);
  const std::int64_t estimate = image_size(drive, spec, log);
  const bool result = decide_new_disc(request.new_disc, available, estimate);
  log.info("Blanking factor {}: {} available, image about {}: {}.", request.new_disc.factor,
           display_bytes(available), display_bytes(estimate), result ? "new disc" : "append");
  return result;
}

// The week an image file holds: that of its newest session's label, or of
// the day it was last written when it carries no cback label.
std::chrono::year_month_day week_of_image(const std::filesystem::path& image,
                                          const MediumState& state, const BurnerOptions& options) {
  std::optional<std::chrono::year_month_day> day =
      state.volume_id ? label_day(*state.volume_id) : std::nullopt;
  struct stat info {};
  if (!day && ::stat(image.c_str(), &info) == 0) {
    std::tm local{};
    ::localtime_r(&info.st_mtime, &local);
    day = std::chrono::year_month_day{std::chrono::year{local.tm_year + 1900},
                                      std::chrono::month{static_cast<unsigned>(local.tm_mon + 1)},
                                      std::chrono::day{static_cast<unsigned>(local.tm_mday)}};
  }
  return core::start_of_week(options.starting_day, day.value_or(core::today()));
}

// The drive the session goes to and, for a new image on an image file,
// the file it is written to until it replaces the old image. The drive is
// declared last so that it is released before an uncommitted file is
// removed.
struct Target {
  std::optional<ReplacementImage> replacement;
  std::optional<Drive> drive;
};

// A first session on an image file goes to a new file beside it (see
// replacement_image.hpp): the old image stays readable until the new one
// is complete and verified. Every other medium is prepared in place; a
// burner's new disc blanks or overwrites what the medium held.
void prepare_target(Target& target, const BurnerOptions& options, SessionSpec& spec,
                    const BurnResult& result, core::Logger& log) {
  const Preparation preparation = prepare_for(result.before, result.new_disc, options.device);
  const auto image_file = replaceable_image_file(options.device);
  if (image_file && (result.new_disc || result.before.status == DiscStatus::blank)) {
    target.drive.reset();
    target.replacement.emplace(*image_file, log);
    target.replacement->keep_previous(
        kept_image_name(*image_file, week_of_image(*image_file, result.before, options)));
    log.info("The new image is written to [{}] and replaces [{}] once complete.",
             target.replacement->name(), image_file->string());
    target.drive.emplace(
        Drive::grab(target.replacement->address(), Grab::as_blank, target.replacement->name()));
    spec.space_note = fmt::format("[{}] stays until the new image is complete: its filesystem "
                                  "needs room for both.",
                                  image_file->string());
    return;
  }
  switch (preparation) {
  case Preparation::none:
    break;
  case Preparation::treat_as_blank:
    target.drive.reset();
    target.drive.emplace(Drive::grab(options.device, Grab::as_blank));
    break;
  case Preparation::erase:
    erase_for_new_disc(*target.drive, options, spec, log);
    break;
  }
}

} // namespace

BurnerOptions burner_options(const config::Store& store) {
  BurnerOptions options;
  options.device = store.target_device;
  options.media_type = store.media_type;
  options.drive_speed = store.drive_speed;
  options.fifo_size = store.fifo_size ? static_cast<std::int64_t>(store.fifo_size->bytes)
                                      : default_fifo_size(store.media_type, store.drive_speed);
  options.check_media = store.check_media;
  options.tray = {store.no_eject, store.eject_delay, store.refresh_media_delay};
  return options;
}

std::int64_t available_bytes(const MediaTraits& media, const MediumState& state) {
  const bool first = state.status == DiscStatus::blank;
  const std::int64_t used = first ? 0 : state.used_bytes;
  const std::int64_t by_type =
      media.capacity - used - session_overhead_sectors(media.family, first) * k_sector;
  return std::max<std::int64_t>(0, std::min(by_type, state.free_bytes));
}

std::int64_t blank_capacity(const MediaTraits& media) {
  return media.capacity - session_overhead_sectors(media.family, true) * k_sector;
}

std::optional<Family> family_of_profile(int code) {
  if (code >= 0x08 && code <= 0x0a) {
    return Family::cd;
  }
  if (code >= 0x10 && code <= 0x2b) {
    return Family::dvd;
  }
  if (code >= 0x40 && code <= 0x43) {
    return Family::bd;
  }
  return std::nullopt;
}

WriteType write_type_for(const MediumState& state) {
  return family_of_profile(state.profile_code) == Family::cd ? WriteType::tao
                                                             : WriteType::automatic;
}

bool decide_new_disc(const NewDisc& rule, std::int64_t available, std::int64_t image_bytes) {
  switch (rule.rule) {
  case NewDisc::Rule::yes:
    return true;
  case NewDisc::Rule::no:
    return false;
  case NewDisc::Rule::by_factor:
    return static_cast<double>(available) / static_cast<double>(1 + image_bytes) <= rule.factor;
  }
  return false;
}

BurnResult write_to_medium(const BurnerOptions& options, const BurnRequest& request,
                           io::Backend& io, core::Logger& log, const core::StopFlag* stop) {
  BurnResult result;
  refuse_mounted_device(options.device);
  Target target;
  target.drive.emplace(Drive::grab(options.device));
  result.before = target.drive->state();
  log_state(log, options.device, result.before);
  cross_check(log, options, result.before);
  if (options.check_media) {
    check_media_label(result.before, traits(options.media_type), options.device);
  }
  SessionSpec spec = make_spec(options, request, io);
  result.new_disc = choose_new_disc(*target.drive, options, request, spec, result.before, log);
  prepare_target(target, options, spec, result, log);
  const MediumState ready = target.drive->state();
  spec.available = result.available = available_bytes(traits(options.media_type), ready);
  spec.write_type = write_type_for(ready);
  const bool first_session = result.new_disc || ready.status == DiscStatus::blank;
  log.info("Writing {} to [{}] as {} ({} available).",
           first_session ? "a new disc" : "an added session", target.drive->name(), request.label,
           display_bytes(result.available));
  const bool burner = !target.drive->is_stdio();
  result.write = write_session(*target.drive, spec, log, stop, request.observer);
  log_write(log, target.drive->name(), result.write, burner);
  refresh_media(*target.drive, options.tray);
  const std::string address = target.drive->address();
  const std::string name = target.drive->name();
  target.drive.reset();
  if (request.verify) {
    result.verify = verify_session(address, request.grafts, log, name);
    log.info("Verified {} files ({}) on [{}]{}.", result.verify->files,
             display_bytes(result.verify->bytes), name,
             result.verify->session_md5 ? " and the session MD5" : "");
  }
  if (target.replacement) {
    target.replacement->commit();
    if (const auto& kept = target.replacement->kept()) {
      log.info("The new image replaced [{}]; the previous one is kept as [{}].",
               target.replacement->image().string(), kept->string());
    } else {
      log.info("The new image replaced [{}].", target.replacement->image().string());
    }
  }
  return result;
}

} // namespace cback::media
