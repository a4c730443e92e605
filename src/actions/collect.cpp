#include <cback/actions/collect.hpp>

#include "collect_item.hpp"

#include <cback/collect/items.hpp>
#include <cback/collect/manifest.hpp>
#include <cback/context.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>
#include <cback/core/thread_pool.hpp>
#include <cback/core/unique_fd.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

namespace cback::actions {

namespace {

constexpr std::string_view k_indicator = "cback.collect";

std::string date_text(std::chrono::year_month_day day) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(day.year()),
                     static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

bool has_incremental(const std::vector<collect::CollectItem>& items) {
  return std::any_of(items.begin(), items.end(), [](const auto& item) {
    return item.collect_mode == config::CollectMode::incr;
  });
}

// Items run on a few threads, each taking the next item in configuration
// order. An item's archives are written one after the other, so memory is
// bounded by the number of threads times what one archive writer holds.
std::vector<detail::ItemOutcome> collect_all(const CollectPlan& plan,
                                             const detail::ItemServices& services) {
  std::vector<detail::ItemOutcome> outcomes(plan.items.size());
  core::for_each_index(plan.items.size(), plan.threads, [&](std::size_t i) {
    outcomes[i] = detail::collect_item(plan.items[i], services);
  });
  return outcomes;
}

collect::Manifest manifest_of(const CollectPlan& plan, std::vector<detail::ItemOutcome>& outcomes) {
  collect::Manifest manifest;
  manifest.date = date_text(plan.today);
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    auto& outcome = outcomes[i];
    std::move(outcome.archives.begin(), outcome.archives.end(),
              std::back_inserter(manifest.archives));
    std::move(outcome.indexes.begin(), outcome.indexes.end(), std::back_inserter(manifest.indexes));
    std::move(outcome.problems.begin(), outcome.problems.end(),
              std::back_inserter(manifest.problems));
    // A failed item's walk may have stopped half-way: what it did not list
    // is not known to be gone. (No state advances in a failed run anyway,
    // so every deletion is listed again by the next run.)
    for (auto& path : outcome.failure ? std::vector<std::string>{} : outcome.deleted) {
      manifest.deleted.push_back(
          collect::ManifestDeletion{plan.items[i].abs_path, std::move(path)});
    }
    if (outcome.failure) {
      manifest.failed_items.push_back(collect::Problem{plan.items[i].abs_path, *outcome.failure});
    }
  }
  return manifest;
}

// A new run first takes away the marks of the last one: a collect that dies
// half-way must not leave yesterday's cback.collect saying it is done.
void remove_old_marks(const CollectPlan& plan) {
  std::error_code ignored;
  std::filesystem::remove(plan.collect_dir / k_indicator, ignored);
  std::filesystem::remove(plan.collect_dir / collect::k_manifest_file_name, ignored);
}

// A killed run leaves its pending states (and perhaps their .partial files)
// behind: they describe archives that were never staged, so they must never
// be promoted. Only the names of configured items are touched.
void remove_stale_pending(const CollectPlan& plan, core::Logger& log) {
  for (const auto& item : plan.items) {
    if (item.collect_mode != config::CollectMode::incr) {
      continue;
    }
    const auto pending = detail::pending_state_path(detail::state_path(plan, item));
    for (const auto& path : {pending, std::filesystem::path(pending.string() + ".partial")}) {
      std::error_code error;
      if (std::filesystem::remove(path, error)) {
        log.info("Removed [{}], left by a collect that did not complete.", path.string());
      } else if (error) {
        throw Error(ExitCode::action, fmt::format("Cannot remove stale state [{}]: {}",
                                                  path.string(), error.message()));
      }
    }
  }
}

/// The next states written by this run's incremental items. promote()
/// renames them over the current states; whatever is not promoted is
/// removed when this goes away (a failed or stopped run), so a state only
/// ever advances with a run that wrote cback.collect.
class PendingStates {
public:
  explicit PendingStates(const std::vector<detail::ItemOutcome>& outcomes) {
    for (const auto& outcome : outcomes) {
      if (outcome.next_state) {
        m_states.push_back(*outcome.next_state);
      }
    }
  }
  ~PendingStates() {
    for (const auto& state : m_states) {
      (void)::unlink(state.pending.c_str());
    }
  }
  PendingStates(const PendingStates&) = delete;
  PendingStates& operator=(const PendingStates&) = delete;

  /// Renames each pending state over its current one and fsyncs the working
  /// directory. Called after cback.collect is on disk: killed between the
  /// two, the next run compares with the older states and archives a
  /// superset, which loses nothing. A rename that fails leaves that item's
  /// state as it was (the same superset next time) and is logged at ERROR.
  void promote(const std::filesystem::path& working_dir, core::Logger& log) {
    bool promoted = false;
    for (const auto& state : std::exchange(m_states, {})) {
      if (::rename(state.pending.c_str(), state.current.c_str()) != 0) {
        log.error("Cannot replace state [{}] with [{}]: {}; the next collect archives these "
                  "changes again.",
                  state.current.string(), state.pending.string(), std::strerror(errno));
        (void)::unlink(state.pending.c_str());
        continue;
      }
      log.debug("State [{}] is now current.", state.current.string());
      promoted = true;
    }
    if (promoted) {
      sync(working_dir, log);
    }
  }

private:
  // Makes the renames durable. A failure is logged: the states on disk are
  // complete either way, only which of them a crash would keep is unsure.
  static void sync(const std::filesystem::path& dir, core::Logger& log) {
    const core::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd || ::fsync(fd.get()) != 0) {
      log.error("Cannot sync directory [{}]: {}", dir.string(), std::strerror(errno));
    }
  }

  std::vector<detail::PendingState> m_states;
};

std::string failure_summary(const std::vector<collect::Problem>& failed) {
  std::string text = fmt::format("Collect failed for {} item(s):", failed.size());
  for (const auto& failure : failed) {
    text += fmt::format(" [{}] {};", failure.path, failure.message);
  }
  text.pop_back();
  return text;
}

} // namespace

CollectPlan plan_collect(const Context& context, std::chrono::year_month_day today) {
  const auto& config = context.config;
  if (!config.options || !config.collect) {
    throw Error(ExitCode::action, "Collect configuration is not properly filled in.");
  }
  CollectPlan plan;
  plan.items = collect::collect_items(*config.collect);
  if (plan.items.empty()) {
    throw Error(ExitCode::action, "Collect configuration has no files or directories to collect.");
  }
  plan.collect_dir = config.collect->collect_dir;
  plan.working_dir = config.options->working_dir.value_or("");
  if (plan.working_dir.empty() && has_incremental(plan.items)) {
    throw Error(ExitCode::action, "Incremental collect items need a working_dir in [options].");
  }
  plan.today = today;
  plan.today_is_start = core::is_start_of_week(
      config::to_chrono(config.options->starting_day.value_or(config::Weekday::monday)), today);
  plan.full = context.flags.full;
  plan.basis = config.collect->change_detection == config::ChangeDetection::content
                   ? collect::ChangeBasis::content
                   : collect::ChangeBasis::stat;
  plan.cumulative = config.collect->cumulative ? collect::Cumulative::yes : collect::Cumulative::no;
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  plan.threads = static_cast<unsigned>(std::min<std::size_t>(cores, plan.items.size()));
  return plan;
}

void run_collect(Context& context) {
  const auto plan = plan_collect(context, core::today());
  io::Backend& backend = context.io.get();
  auto& log = context.log;
  log.debug("Executing the 'collect' action.");
  log.debug("Full backup flag is [{}]", plan.full == core::Full::yes);
  log.debug("Today starts the week: [{}]", plan.today_is_start);
  remove_old_marks(plan);
  remove_stale_pending(plan, log);
  const core::Outputs& outputs = context.outputs.get();
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  const detail::ItemServices services{
      plan,    backend,          log,          context.stop,
      outputs, context.progress, context.perf, std::max(1U, cores / plan.threads)};
  const core::Stopwatch watch;
  auto outcomes = collect_all(plan, services);
  PendingStates pending(outcomes);
  context.perf.add_stage_wall("collect", watch.elapsed());
  context.stop.check();
  for (const auto& outcome : outcomes) {
    if (outcome.interrupted) {
      throw Error(ExitCode::interrupted, "Backup interrupted.");
    }
  }
  const auto manifest = manifest_of(plan, outcomes);
  const auto manifest_path = plan.collect_dir / collect::k_manifest_file_name;
  collect::write_manifest(manifest_path, manifest);
  outputs.own(manifest_path, log);
  for (const auto& failure : manifest.failed_items) {
    log.error("Failed to collect [{}]: {}", failure.path, failure.message);
  }
  if (!manifest.failed_items.empty()) {
    throw Error(ExitCode::action, failure_summary(manifest.failed_items));
  }
  outputs.write_indicator(plan.collect_dir / k_indicator, log);
  // Only a run that completed moves the incremental states on: its archives
  // are the ones stage will take (docs/state-format.md).
  pending.promote(plan.working_dir, log);
  log.info("Executed the 'collect' action successfully.");
}

} // namespace cback::actions
