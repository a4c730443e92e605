#include <cback/extend/capacity.hpp>

#include <cback/config/target_device.hpp>
#include <cback/config/values.hpp>
#include <cback/context.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>
#include <cback/core/progress.hpp>
#include <cback/media/burner.hpp>

#include <fmt/format.h>

namespace cback::extend {

double MediaUsage::utilized() const {
  if (used <= 0) {
    return 0.0;
  }
  return static_cast<double>(used) / static_cast<double>(used + available) * 100.0;
}

MediaUsage media_usage(const media::MediaTraits& media, const media::MediumState& state) {
  MediaUsage usage;
  usage.used = state.status == media::DiscStatus::blank ? 0 : state.used_bytes;
  usage.available = media::available_bytes(media, state);
  return usage;
}

std::optional<std::string> capacity_problem(const config::CapacityConfig& limits,
                                            const MediaUsage& usage) {
  if (limits.max_percentage) {
    const double limit = config::parse_python_float(*limits.max_percentage).value_or(100.0);
    if (usage.utilized() > limit) {
      return fmt::format("Media has reached capacity limit of {}%: {:.2f}% utilized",
                         *limits.max_percentage, usage.utilized());
    }
    return std::nullopt;
  }
  if (limits.min_bytes && static_cast<double>(usage.available) < limits.min_bytes->bytes) {
    return fmt::format("Media has reached capacity limit of {}: only {} available",
                       limits.min_bytes->text,
                       core::display_bytes(static_cast<double>(usage.available)));
  }
  return std::nullopt;
}

void run_capacity(Context& context) {
  auto& log = context.log;
  log.debug("Executing capacity extended action.");
  const auto& config = context.config;
  if (!config.options || !config.store || !config.capacity) {
    throw Error(ExitCode::action,
                "The capacity extension needs the options, store and capacity sections.");
  }
  media::BurnerOptions options = media::burner_options(*config.store);
  options.device = config::target_device_for(config, core::today());
  const media::MediaTraits& media = media::traits(options.media_type);
  const media::Drive drive = media::Drive::grab(options.device);
  const media::MediumState state = drive.state();
  if (options.check_media) {
    media::check_media_label(state, media, options.device);
  }
  const MediaUsage usage = media_usage(media, state);
  log.debug("Media capacity: used {}, {} available ({:.2f}% utilized).",
            core::display_bytes(usage.used), core::display_bytes(usage.available),
            usage.utilized());
  if (const auto problem = capacity_problem(*config.capacity, usage)) {
    throw Error(ExitCode::action, *problem);
  }
  log.info("Executed the capacity extended action successfully.");
}

} // namespace cback::extend
