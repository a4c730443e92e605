#include <cback/actions/purge_plan.hpp>

#include <cback/collect/walker.hpp>
#include <cback/core/error.hpp>

#include <algorithm>

#include <fmt/format.h>

namespace cback::actions {

namespace {

constexpr std::int64_t k_ns_per_day = 86'400LL * 1'000'000'000LL;

std::int64_t age_in_days(const collect::FileStat& stat, std::int64_t now_ns, AgeBasis basis) {
  const auto last_use =
      basis == AgeBasis::mtime ? stat.mtime_ns : std::max(stat.atime_ns, stat.mtime_ns);
  const auto age = now_ns - last_use;
  return age <= 0 ? 0 : age / k_ns_per_day;
}

} // namespace

PurgePlan plan_purge(const std::string& dir, int retain_days,
                     std::chrono::system_clock::time_point now, AgeBasis basis) {
  if (retain_days < 0) {
    throw Error(ExitCode::action, fmt::format("purge [{}]: retain days must be >= 0", dir));
  }
  // The original's PurgeItemList: the collect walk without links followed,
  // but real directories kept (they are removed when empty).
  auto walk = collect::Walker(collect::ExclusionMatcher{}).list_dir(dir, collect::WalkOptions{});
  PurgePlan plan;
  plan.problems = std::move(walk.problems);
  const std::int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  auto& entries = walk.units.back().entries;
  const std::string& top = walk.units.back().item_path;
  for (auto& entry : entries) {
    if (entry.kind == collect::EntryKind::directory) {
      if (entry.path != top) {
        plan.rmdir.push_back(entry.path);
      }
    } else if (entry.kind == collect::EntryKind::symlink ||
               age_in_days(entry.stat, now_ns, basis) >= retain_days) {
      plan.remove.push_back(std::move(entry.path));
    }
  }
  // The walk lists a directory before its contents: reversed, every
  // directory comes after everything below it.
  std::reverse(plan.rmdir.begin(), plan.rmdir.end());
  return plan;
}

} // namespace cback::actions
