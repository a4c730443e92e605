// The pieces store, rebuild, initialize and cback-span share: daily
// directories and their indicators, the complete-day check, the new-disc
// rule, the writer's options.

#include <cback/actions/store.hpp>

#include <cback/actions/stage.hpp>
#include <cback/config/target_device.hpp>
#include <cback/config/values.hpp>
#include <cback/context.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>
#include <cback/core/field_escape.hpp>
#include <cback/core/perf.hpp>
#include <cback/peer/status.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <memory>

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

// What a file being written is called until it is complete: the stage's
// transfers and every AtomicFile write NAME.partial and rename it.
constexpr std::string_view k_partial_suffix = ".partial";

// Every `*.partial` below `dir`, relative to it, sorted. Symlinks are not
// followed (a link may point anywhere); a link's own name counts.
std::vector<std::string> partial_files(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::none, error), end;
       !error && it != end; it.increment(error)) {
    if (it->path().filename().string().ends_with(k_partial_suffix)) {
      found.push_back(it->path().lexically_relative(dir).string());
    }
  }
  if (error) {
    throw Error(ExitCode::action, fmt::format("Cannot read staging directory [{}]: {}",
                                              dir.string(), error.message()));
  }
  std::sort(found.begin(), found.end());
  return found;
}

} // namespace

StagingDay select_staging_day(const fs::path& staging_dir, year_month_day today, core::Full full,
                              std::string_view done) {
  if (full == core::Full::yes) {
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
    if (has(dir, k_stage_indicator) && !has(dir, done)) {
      return {dir, day, offset != 0};
    }
  }
  throw Error(ExitCode::action, "Unable to find unused staging directory to store (tried "
                                "today, yesterday, tomorrow).");
}

media::NewDisc new_disc_rule(core::Full full, bool today_is_start,
                             const std::optional<config::BlankBehavior>& blank) {
  using Rule = media::NewDisc::Rule;
  if (full == core::Full::yes) {
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

bool DayGaps::complete() const {
  return partial_files.empty() && record_error.empty() && missing_peers.empty() &&
         failed_peers.empty();
}

DayGaps inspect_day(const fs::path& dir, const std::vector<std::string>& peers) {
  DayGaps gaps;
  gaps.partial_files = partial_files(dir);
  const fs::path path = dir / peer::k_status_file_name;
  std::error_code error;
  if (!fs::exists(fs::symlink_status(path, error))) {
    gaps.record_error = fmt::format("it has no stage status record [{}]", path.string());
    gaps.missing_peers = peers;
    return gaps;
  }
  const auto status = peer::load_status(path);
  if (!status) {
    gaps.record_error = fmt::format("its stage status record is unusable: {}", status.error());
    gaps.missing_peers = peers;
    return gaps;
  }
  for (const auto& entry : status->peers) {
    if (entry.state == peer::PeerState::failed || entry.state == peer::PeerState::not_ready) {
      gaps.failed_peers.push_back(entry.peer);
    }
  }
  for (const auto& name : peers) {
    if (std::none_of(status->peers.begin(), status->peers.end(),
                     [&name](const auto& entry) { return entry.peer == name; })) {
      gaps.missing_peers.push_back(name);
    }
  }
  return gaps;
}

std::vector<std::string> require_complete_day(const fs::path& dir,
                                              const std::vector<std::string>& peers,
                                              IncompleteDay policy) {
  const auto gaps = policy == IncompleteDay::files_only ? DayGaps{partial_files(dir), {}, {}, {}}
                                                        : inspect_day(dir, peers);
  std::vector<std::string> record_gaps;
  if (!gaps.record_error.empty()) {
    record_gaps.push_back(gaps.record_error);
  }
  if (!gaps.missing_peers.empty()) {
    record_gaps.push_back(fmt::format("peer(s) {} are missing from its stage status record",
                                      fmt::join(gaps.missing_peers, ", ")));
  }
  if (!gaps.failed_peers.empty()) {
    record_gaps.push_back(
        fmt::format("its stage failed for peer(s) {}", fmt::join(gaps.failed_peers, ", ")));
  }
  std::vector<std::string> refused;
  if (!gaps.partial_files.empty()) {
    // The names come from the peers: escaped, so that the message stays
    // on one line of the log.
    std::vector<std::string> names;
    std::transform(gaps.partial_files.begin(), gaps.partial_files.end(), std::back_inserter(names),
                   core::escape_field);
    refused.push_back(fmt::format("it holds partial file(s) {} (a transfer that did not finish)",
                                  fmt::join(names, ", ")));
  }
  if (policy == IncompleteDay::refuse) {
    refused.insert(refused.end(), record_gaps.begin(), record_gaps.end());
    record_gaps.clear();
  }
  if (!refused.empty()) {
    throw Error(ExitCode::action, fmt::format("The staged day [{}] is incomplete: {}.",
                                              dir.string(), fmt::join(refused, "; ")));
  }
  return record_gaps;
}

std::vector<std::string> configured_peer_names(const config::Config& config) {
  std::vector<std::string> names;
  for (const auto& peer : stage_peers(config)) {
    names.push_back(peer.name);
  }
  return names;
}

void mark_stored(const core::Outputs& outputs, const std::vector<fs::path>& dirs,
                 core::Logger& log) {
  for (const auto& dir : dirs) {
    outputs.write_indicator(dir / k_store_indicator, log);
  }
}

media::BurnerOptions burner_options_of(const Context& context) {
  media::BurnerOptions options = media::burner_options(*context.config.store);
  options.device = config::target_device_for(context.config, core::today());
  options.starting_day = config::week_starts_on(context.config);
  return options;
}

namespace {

std::int64_t percent(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? std::clamp<std::int64_t>(part * 100 / whole, 0, 100) : 0;
}

std::string write_detail(const media::WriteSample& sample) {
  std::string detail = fmt::format("FIFO {}%", percent(sample.fifo_fill, sample.fifo_size));
  if (sample.buffer_capacity > 0) {
    detail +=
        fmt::format(", drive buffer {}%", percent(sample.buffer_fill, sample.buffer_capacity));
  }
  return detail;
}

} // namespace

std::int64_t least_image_bytes(const fs::path& dir) {
  std::int64_t bytes = 0;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::none, error), end;
       !error && it != end; it.increment(error)) {
    if (fs::is_regular_file(it->symlink_status(error))) {
      const auto size = static_cast<std::int64_t>(it->file_size(error));
      bytes += (size + media::k_sector - 1) / media::k_sector * media::k_sector;
    }
  }
  if (error) {
    throw Error(ExitCode::action, fmt::format("Cannot read staging directory [{}]: {}",
                                              dir.string(), error.message()));
  }
  return bytes;
}

media::WriteObserver image_progress(core::ProgressBoard& board, std::string name) {
  if (board.display() == core::ProgressDisplay::off) {
    return {};
  }
  // The job starts with the first sample, when the write has begun. The
  // request holds the observer; the job ends when it is destroyed.
  auto job = std::make_shared<std::optional<core::ProgressJob>>();
  return [&board, name = std::move(name), job](const media::WriteSample& sample) {
    if (!*job) {
      job->emplace(board.start(name, static_cast<std::uint64_t>(sample.image_bytes)));
    }
    (*job)->update(static_cast<std::uint64_t>(std::max<std::int64_t>(sample.written, 0)),
                   write_detail(sample));
  };
}

void record_write(Context& context, std::string_view stage, const std::string& name,
                  const media::BurnResult& result) {
  core::PerfSample sample;
  sample.write = std::chrono::duration_cast<std::chrono::nanoseconds>(result.write.duration);
  sample.bytes_in = result.write.content_bytes;
  sample.bytes_out = static_cast<std::uint64_t>(result.write.image_bytes);
  sample.files = result.write.files;
  context.perf.add(stage, name, sample);
}

void require_store_sections(const Context& context, std::string_view action) {
  if (!context.config.options || !context.config.store) {
    throw Error(ExitCode::action,
                fmt::format("The {} action needs the options and store sections.", action));
  }
}

} // namespace cback::actions
