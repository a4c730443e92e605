#include <cback/actions/store.hpp>

#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/perf.hpp>
#include <cback/media/label.hpp>

#include <fmt/format.h>

namespace cback::actions {
namespace {

// The original stores a day whose stage failed for some peers without
// noticing, and a day whose staged files were cut short. cback stores only
// a complete day (docs/stage-status.md); allow_failed_peers lets a day with
// failed or missing peers through, with a warning, but never one with
// partial files.
void check_complete_day(const Context& context, const StagingDay& selected) {
  const bool allow = context.config.store->allow_failed_peers;
  std::vector<std::string> let_through;
  try {
    let_through = require_complete_day(selected.dir, configured_peer_names(context.config),
                                       allow ? IncompleteDay::warn : IncompleteDay::refuse);
  } catch (const Error& error) {
    throw Error(ExitCode::action,
                fmt::format("{} Not storing it{}.", error.what(),
                            allow ? ""
                                  : " (allow_failed_peers = Y in [store] stores a day with "
                                    "failed or missing peers, never one with partial files)"));
  }
  for (const auto& gap : let_through) {
    context.log.warning("Storing [{}] although {}.", selected.dir.string(), gap);
  }
}

} // namespace

void run_store(Context& context) {
  auto& log = context.log;
  log.debug("Executing the 'store' action.");
  require_store_sections(context, "store");
  const auto& config = context.config;
  if (!config.stage) {
    throw Error(ExitCode::action, "The store action needs the stage section (staging_dir).");
  }
  const core::Stopwatch watch;
  const auto today = core::today();
  const bool today_is_start = core::is_start_of_week(
      config::to_chrono(config.options->starting_day.value_or(config::Weekday::monday)), today);
  const auto full = context.flags.full;
  const StagingDay selected = select_staging_day(config.stage->staging_dir, today, full);
  if (selected.crossed_midnight && config.store->warn_midnite) {
    log.warning("Warning: store process crossed midnite boundary to find data.");
  }
  log.info("Storing staging directory [{}].", selected.dir.string());
  check_complete_day(context, selected);

  media::BurnRequest request;
  request.grafts.push_back({selected.dir, graft_point(selected.day)});
  request.label = media::volume_label(today);
  request.new_disc = new_disc_rule(full, today_is_start, config.store->blank_behavior);
  request.verify = config.store->check_data;
  const auto options = burner_options_of(context);
  request.observer = image_progress(context.progress, "store");
  const auto result =
      media::write_to_medium(options, request, context.io.get(), log, &context.stop);
  request.observer = {}; // ends the write's progress line
  context.stop.check();
  mark_stored(context.outputs.get(), {selected.dir}, context.log);
  record_write(context, "store", selected.dir.string(), result);
  context.perf.add_stage_wall("store", watch.elapsed());
  log.info("Executed the 'store' action successfully.");
}

} // namespace cback::actions
