#include <cback/actions/initialize.hpp>

#include <cback/actions/store.hpp>
#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/temp_dir.hpp>
#include <cback/media/label.hpp>

#include <fmt/format.h>

#include <filesystem>

namespace cback::actions {

namespace fs = std::filesystem;

void run_initialize(Context& context) {
  auto& log = context.log;
  log.debug("Executing the 'initialize' action.");
  require_store_sections(context, "initialize");
  const auto& store = *context.config.store;
  const media::MediaTraits& media = media::traits(store.media_type);
  if (!media.rewritable) {
    throw Error(ExitCode::action,
                fmt::format("Only rewritable media types can be initialized, not {}.", media.name));
  }
  media::BurnerOptions options = burner_options_of(context);
  options.check_media = false; // initializing is what makes the media pass check_media
  {
    media::Drive drive = media::Drive::grab(options.device);
    media::refresh_media(drive, options.tray);
  }
  const fs::path working_dir = context.config.options->working_dir.value_or("/tmp");
  const auto empty = core::TempDir::create(working_dir, "cback-initialize-");
  media::BurnRequest request;
  request.grafts.push_back({empty.path(), "CedarBackup"});
  request.label = media::volume_label(core::today());
  request.new_disc = {media::NewDisc::Rule::yes, 0.0};
  media::write_to_medium(options, request, context.io.get(), log, &context.stop);
  log.info("Initialized the media in [{}] as [{}].", options.device, request.label);
  log.info("Executed the 'initialize' action successfully.");
}

} // namespace cback::actions
