#include <cback/actions/stage.hpp>

#include "stage_run.hpp"

#include <cback/actions/stage_order.hpp>
#include <cback/context.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>

#include <algorithm>
#include <atomic>
#include <thread>

#include <fmt/format.h>

namespace cback::actions {

namespace {

std::string date_text(std::chrono::year_month_day day) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(day.year()),
                     static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

// As the original: the day, month and year dirs are chowned when the
// daily dir is new; every peer's dir is made (and chowned) even for peers
// that fail later. None of them may be a symbolic link (make_staging_dir).
void create_staging_dirs(const detail::StagePlan& plan, core::Logger& log) {
  if (!make_staging_dir(plan.daily_dir, k_daily_dir_levels)) {
    log.warning("Staging directory [{}] already existed.", plan.daily_dir.string());
  } else {
    log.debug("Created staging directory [{}].", plan.daily_dir.string());
    for (const auto& dir : {plan.daily_dir, plan.daily_dir.parent_path(),
                            plan.daily_dir.parent_path().parent_path()}) {
      plan.outputs.own(dir, log);
    }
  }
  for (const auto& peer : plan.peers) {
    const auto dir = plan.daily_dir / peer.name;
    if (!make_staging_dir(dir, k_daily_dir_levels + 1)) {
      log.warning("Peer staging directory [{}] already existed.", dir.string());
      continue;
    }
    plan.outputs.own(dir, log);
  }
}

detail::StagePlan plan_stage(const Context& context, std::chrono::year_month_day today) {
  const auto& config = context.config;
  if (!config.options || !config.stage) {
    throw Error(ExitCode::action, "Stage configuration is not properly filled in.");
  }
  detail::StagePlan plan;
  plan.date = date_text(today);
  plan.daily_dir = daily_dir(config.stage->staging_dir, today);
  // The slowest remote peers first (actions/stage_order.hpp), whatever
  // loop then takes the peers in plan order.
  plan.peers = order_peers(stage_peers(config), expected_times(config.stage->staging_dir, today));
  plan.full_or_start_of_week =
      context.flags.full == core::Full::yes ||
      core::is_start_of_week(
          config::to_chrono(config.options->starting_day.value_or(config::Weekday::monday)), today);
  plan.outputs = context.outputs.get();
  plan.progress = context.flags.progress;
  if (config.stage->bandwidth_limit && config.stage->bandwidth_limit->bytes > 0) {
    plan.bandwidth_limit = config.stage->bandwidth_limit->bytes;
  }
  if (config.stage->total_bandwidth_limit && config.stage->total_bandwidth_limit->bytes > 0) {
    plan.total_bandwidth_limit = config.stage->total_bandwidth_limit->bytes;
  }
  plan.max_concurrent = static_cast<unsigned>(std::clamp<int>(
      config.stage->max_concurrent_peers, 1, std::max(1, static_cast<int>(plan.peers.size()))));
  return plan;
}

// The run's failures: every failed or not-ready peer, and a status record
// (or cback.stage) that could not be written.
std::string failure_summary(const std::vector<peer::PeerStatus>& failed,
                            const std::vector<std::string>& unwritten) {
  std::string text;
  if (!failed.empty()) {
    text = fmt::format("Stage failed for {} peer(s):", failed.size());
    for (const auto& status : failed) {
      text += fmt::format(" [{}] {};", status.peer, status.error);
    }
    text.pop_back();
  }
  for (const auto& error : unwritten) {
    text += fmt::format("{}{}", text.empty() ? "" : "; ", error);
  }
  return text;
}

void log_order(const detail::StagePlan& plan, core::Logger& log) {
  std::string names;
  for (const auto& peer : plan.peers) {
    names += fmt::format("{}[{}]", names.empty() ? "" : ", ", peer.name);
  }
  log.debug("Peers will be staged in this order: {}.", names);
}

// Written even when peers failed or the status record could not be
// written (the original's behaviour, kept for compatibility): cback.stage
// says the stage ran, and store, rebuild and cback-span take only a day
// whose record says it is complete (docs/stage-status.md).
void write_stage_indicator(const detail::StagePlan& plan, core::Logger& log) {
  plan.outputs.write_indicator(plan.daily_dir / k_stage_indicator, log);
}

} // namespace

std::vector<config::Peer> stage_peers(const config::Config& config) {
  const std::vector<config::Peer>* source = nullptr;
  if (config.stage && !config.stage->peers.empty()) {
    source = &config.stage->peers;
  } else if (config.peers) {
    source = &config.peers->peers;
  }
  std::vector<config::Peer> peers;
  if (source == nullptr) {
    return peers;
  }
  for (const auto type : {config::PeerType::local, config::PeerType::remote}) {
    std::copy_if(source->begin(), source->end(), std::back_inserter(peers),
                 [type](const auto& peer) { return peer.type == type; });
  }
  return peers;
}

bool ignores_failure(std::optional<config::IgnoreFailures> mode, bool full_or_start_of_week) {
  switch (mode.value_or(config::IgnoreFailures::none)) {
  case config::IgnoreFailures::none:
    return false;
  case config::IgnoreFailures::all:
    return true;
  case config::IgnoreFailures::weekly:
    return full_or_start_of_week;
  case config::IgnoreFailures::daily:
    return !full_or_start_of_week;
  }
  return false;
}

void run_stage(Context& context) {
  auto& log = context.log;
  log.debug("Executing the 'stage' action.");
  auto plan = plan_stage(context, core::today());
  log.debug("Daily staging directory is [{}].", plan.daily_dir.string());
  create_staging_dirs(plan, log);
  plan.backend = &context.io.get();
  log_order(plan, log);
  PeerStarts starts;
  plan.starts = &starts;
  plan.remote_on_loop = context.config.stage->transport == config::StageTransport::sftp;
  const core::Stopwatch watch;
  const auto outcome = detail::stage_all(context, plan);
  context.perf.add_stage_wall("stage", watch.elapsed());
  context.stop.check();
  if (const auto bounding = bounding_peer(outcome.statuses, starts.started_ms())) {
    log.info("{}", bounding_text(*bounding));
  }
  std::vector<std::string> unwritten;
  if (!outcome.record_error.empty()) {
    unwritten.push_back(
        fmt::format("the stage status record could not be written ({}): store refuses the day",
                    outcome.record_error));
  }
  try {
    write_stage_indicator(plan, log);
  } catch (const Error& error) {
    unwritten.push_back(error.what());
  }
  std::vector<peer::PeerStatus> failed;
  std::copy_if(outcome.statuses.begin(), outcome.statuses.end(), std::back_inserter(failed),
               [](const auto& status) {
                 return status.state == peer::PeerState::failed ||
                        status.state == peer::PeerState::not_ready;
               });
  if (!failed.empty() || !unwritten.empty()) {
    throw Error(ExitCode::action, failure_summary(failed, unwritten));
  }
  log.info("Executed the 'stage' action successfully.");
}

} // namespace cback::actions
