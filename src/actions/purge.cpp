#include <cback/actions/purge.hpp>

#include <cback/actions/purge_plan.hpp>
#include <cback/context.hpp>
#include <cback/core/error.hpp>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace cback::actions {

namespace {

AgeBasis age_basis_of(config::AgeBasis basis) {
  return basis == config::AgeBasis::mtime ? AgeBasis::mtime : AgeBasis::max_atime_mtime;
}

// Two passes, as the original: files and links first, so that the
// directories they leave empty can then go (deepest first). Errors are
// ignored: another process may have removed or refilled the entry.
PurgeCounts execute(const PurgePlan& plan, core::Logger& log) {
  PurgeCounts counts;
  for (const auto& path : plan.remove) {
    if (::unlink(path.c_str()) == 0) {
      ++counts.files;
      log.debug("Purged file [{}].", path);
    } else {
      log.debug("Could not purge file [{}]: {}", path, std::strerror(errno));
    }
  }
  for (const auto& path : plan.rmdir) {
    if (::rmdir(path.c_str()) == 0) {
      ++counts.dirs;
      log.debug("Purged empty directory [{}].", path);
    } else {
      log.debug("Did not purge directory [{}]: {}", path, std::strerror(errno));
    }
  }
  return counts;
}

void require_directory(const std::string& path) {
  struct ::stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw Error(ExitCode::action,
                fmt::format("Purge directory [{}] does not exist or is not a directory.", path));
  }
}

} // namespace

void run_purge_at(Context& context, std::chrono::system_clock::time_point now) {
  auto& log = context.log;
  log.debug("Executing the 'purge' action.");
  const auto& config = context.config;
  if (!config.options || !config.purge) {
    throw Error(ExitCode::action, "Purge configuration is not properly filled in.");
  }
  const AgeBasis basis = age_basis_of(config.purge->age_basis);
  const core::Stopwatch watch;
  for (const auto& dir : config.purge->dirs) {
    context.stop.check();
    require_directory(dir.abs_path);
    const core::Stopwatch scan_watch;
    const PurgePlan plan = plan_purge(dir.abs_path, dir.retain_days, now, basis);
    core::PerfSample sample;
    sample.walk = scan_watch.elapsed();
    for (const auto& problem : plan.problems) {
      log.warning("Could not purge below [{}]: {}", problem.path, problem.message);
    }
    const core::Stopwatch remove_watch;
    const PurgeCounts counts = execute(plan, log);
    sample.write = remove_watch.elapsed();
    sample.files = counts.files;
    sample.dirs = counts.dirs;
    context.perf.add("purge", dir.abs_path, sample);
    log.info("Purged {} files and {} directories from [{}] (retain days {}).", counts.files,
             counts.dirs, dir.abs_path, dir.retain_days);
  }
  context.perf.add_stage_wall("purge", watch.elapsed());
  log.info("Executed the 'purge' action successfully.");
}

void run_purge(Context& context) {
  run_purge_at(context, std::chrono::system_clock::now());
}

} // namespace cback::actions
