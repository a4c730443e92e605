// The pieces store, rebuild and initialize share: daily directories and
// their indicators, the stage status record, the new-disc rule, the
// writer's options.

#include <cback/actions/store.hpp>

#include <cback/config/values.hpp>
#include <cback/context.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/error.hpp>
#include <cback/core/ownership.hpp>
#include <cback/peer/status.hpp>

#include <fmt/format.h>

#include <unistd.h>

namespace cback::actions {
namespace {

namespace fs = std::filesystem;
using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

bool has(const fs::path& dir, std::string_view name) {
  std::error_code ignored;
  return fs::exists(dir / name, ignored);
}

} // namespace

StagingDay select_staging_day(const fs::path& staging_dir, year_month_day today,
                              collect::Full full) {
  if (full == collect::Full::yes) {
    const fs::path dir = daily_dir(staging_dir, today);
    if (!has(dir, k_stage_indicator)) {
      throw Error(ExitCode::action,
                  fmt::format("Unable to find staging directory [{}] with {} for a full store.",
                              dir.string(), k_stage_indicator));
    }
    return {dir, today, false};
  }
  for (const int offset : {0, -1, 1}) {
    const year_month_day day{sys_days{today} + days{offset}};
    const fs::path dir = daily_dir(staging_dir, day);
    if (has(dir, k_stage_indicator) && !has(dir, k_store_indicator)) {
      return {dir, day, offset != 0};
    }
  }
  throw Error(ExitCode::action, "Unable to find unused staging directory to store (tried "
                                "today, yesterday, tomorrow).");
}

media::NewDisc new_disc_rule(collect::Full full, bool today_is_start,
                             const std::optional<config::BlankBehavior>& blank) {
  using Rule = media::NewDisc::Rule;
  if (full == collect::Full::yes) {
    return {Rule::yes, 0.0};
  }
  if (!blank) {
    return {today_is_start ? Rule::yes : Rule::no, 0.0};
  }
  const bool by_factor = blank->mode == config::BlankMode::daily ||
                         (blank->mode == config::BlankMode::weekly && today_is_start);
  if (!by_factor) {
    return {Rule::no, 0.0};
  }
  // Validation accepts a mode without a factor (the original's bug); no
  // factor then means "never blank early".
  const auto factor = blank->factor ? config::parse_python_float(*blank->factor) : std::nullopt;
  return {Rule::by_factor, factor.value_or(0.0)};
}

std::vector<std::string> failed_peers(const fs::path& dir) {
  const fs::path path = dir / peer::k_status_file_name;
  std::error_code ignored;
  if (!fs::exists(path, ignored)) {
    return {};
  }
  const auto status = peer::load_status(path);
  if (!status) {
    throw Error(ExitCode::action,
                fmt::format("The stage status record is unusable: {}", status.error()));
  }
  std::vector<std::string> failed;
  for (const auto& entry : status->peers) {
    if (entry.state == peer::PeerState::failed || entry.state == peer::PeerState::not_ready) {
      failed.push_back(entry.peer);
    }
  }
  return failed;
}

void mark_stored(const Context& context, const std::vector<fs::path>& dirs) {
  const auto& options = *context.config.options;
  std::optional<core::Ownership> owner;
  if (::geteuid() == 0) {
    owner = core::Ownership::lookup(options.backup_user.value_or("root"),
                                    options.backup_group.value_or("root"));
  }
  for (const auto& dir : dirs) {
    core::write_indicator(dir / k_store_indicator);
    if (owner) {
      owner->apply(dir / k_store_indicator, context.log);
    }
  }
}

media::BurnerOptions burner_options_of(const Context& context) {
  return media::burner_options(*context.config.store);
}

void require_store_sections(const Context& context, std::string_view action) {
  if (!context.config.options || !context.config.store) {
    throw Error(ExitCode::action,
                fmt::format("The {} action needs the options and store sections.", action));
  }
}

} // namespace cback::actions
