#include <cback/actions/rebuild.hpp>

#include <cback/actions/store.hpp>
#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/perf.hpp>
#include <cback/media/label.hpp>

#include <fmt/format.h>

namespace cback::actions {
namespace {

namespace fs = std::filesystem;

struct StagedDay {
  fs::path dir;
  std::chrono::year_month_day day;
};

// The week's staged days, oldest first; cback.store does not matter.
std::vector<StagedDay> staged_days(const Context& context, std::chrono::year_month_day today) {
  const auto start = context.config.options->starting_day.value_or(config::Weekday::monday);
  const fs::path root = context.config.store->source_dir;
  std::vector<StagedDay> found;
  for (const auto day : days_of_week(start, today)) {
    const fs::path dir = daily_dir(root, day);
    std::error_code ignored;
    if (fs::exists(dir / k_stage_indicator, ignored)) {
      found.insert(found.begin(), {dir, day});
    }
  }
  if (found.empty()) {
    throw Error(
        ExitCode::action,
        fmt::format("Did not find any staged directories for this week in [{}].", root.string()));
  }
  return found;
}

// Rebuild recovers a lost disc: a day with failed or missing peers is
// written anyway, with a warning, since its data is all there is; a day
// with partial files fails the rebuild, as it fails the store.
void check_day(const Context& context, const StagedDay& day) {
  const auto let_through =
      require_complete_day(day.dir, configured_peer_names(context.config), IncompleteDay::warn);
  for (const auto& gap : let_through) {
    context.log.warning("Rebuilding with [{}] although {}.", day.dir.string(), gap);
  }
}

} // namespace

std::vector<std::chrono::year_month_day> days_of_week(config::Weekday starting_day,
                                                      std::chrono::year_month_day today) {
  std::vector<std::chrono::year_month_day> days;
  std::chrono::sys_days day{today};
  for (int i = 0; i < 7; ++i, day -= std::chrono::days{1}) {
    days.emplace_back(day);
    if (core::is_start_of_week(config::to_chrono(starting_day), days.back())) {
      break;
    }
  }
  return days;
}

void run_rebuild(Context& context) {
  auto& log = context.log;
  log.debug("Executing the 'rebuild' action.");
  require_store_sections(context, "rebuild");
  const core::Stopwatch watch;
  const auto today = core::today();
  const auto days = staged_days(context, today);
  media::BurnRequest request;
  std::vector<fs::path> dirs;
  for (const auto& day : days) {
    log.info("Rebuilding with staging directory [{}].", day.dir.string());
    check_day(context, day);
    request.grafts.push_back({day.dir, graft_point(day.day)});
    dirs.push_back(day.dir);
  }
  request.label = media::volume_label(today);
  request.new_disc = {media::NewDisc::Rule::yes, 0.0};
  request.verify = context.config.store->check_data;
  const auto options = burner_options_of(context);
  request.observer = image_progress(context.progress, "rebuild");
  const auto result =
      media::write_to_medium(options, request, context.io.get(), log, &context.stop);
  request.observer = {}; // ends the write's progress line
  context.stop.check();
  mark_stored(context.outputs.get(), dirs, context.log);
  record_write(context, "rebuild", options.device, result);
  context.perf.add_stage_wall("rebuild", watch.elapsed());
  log.info("Executed the 'rebuild' action successfully.");
}

} // namespace cback::actions
