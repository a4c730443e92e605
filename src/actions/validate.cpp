#include <cback/actions/validate.hpp>

#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/extend/registry.hpp>

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

namespace cback::actions {
namespace {

enum class Writable { no, yes };

using Problems = std::vector<std::string>;

// The checks of the original's _checkDir, in its order, with its messages:
// exists, is a directory, readable, executable, and writable if asked.
// Only the first failure of a path is reported.
void check_dir(const SystemProbe& probe, const std::string& path, Writable writable,
               std::string_view what, Problems& problems) {
  const auto fail = [&](std::string_view why) {
    problems.push_back(fmt::format("{} [{}] {}.", what, path, why));
  };
  if (!probe.exists(path)) {
    fail("does not exist");
  } else if (!probe.is_directory(path)) {
    fail("is not a directory");
  } else if (!probe.can(path, R_OK)) {
    fail("is not readable");
  } else if (!probe.can(path, X_OK)) {
    fail("is not executable");
  } else if (writable == Writable::yes && !probe.can(path, W_OK)) {
    fail("is not writable");
  }
}

void check_options(const config::Config& config, const SystemProbe& probe, Problems& problems) {
  if (!config.options) {
    problems.emplace_back("Required options configuration does not exist.");
    return;
  }
  const auto& options = *config.options;
  check_dir(probe, options.working_dir.value_or(""), Writable::yes, "Working directory", problems);
  const std::string user = options.backup_user.value_or("");
  const std::string group = options.backup_group.value_or("");
  if (!probe.user_exists(user) || !probe.group_exists(group)) {
    problems.push_back(fmt::format("Backup user:group [{}:{}] invalid.", user, group));
  }
}

void check_collect(const config::Config& config, const SystemProbe& probe, Problems& problems) {
  if (!config.collect) {
    return;
  }
  check_dir(probe, config.collect->collect_dir, Writable::yes, "Collect target directory",
            problems);
  for (const auto& dir : config.collect->dirs) {
    check_dir(probe, dir.abs_path, Writable::no, "Collect directory", problems);
  }
}

// Only the stage section's own local peers, as the original: <peers>
// entries and remote peers are not checked.
void check_stage(const config::Config& config, const SystemProbe& probe, Problems& problems) {
  if (!config.stage) {
    return;
  }
  check_dir(probe, config.stage->staging_dir, Writable::yes, "Stage target dir", problems);
  for (const auto& peer : config.stage->peers) {
    if (peer.type == config::PeerType::local) {
      check_dir(probe, peer.collect_dir, Writable::no, "Local peer collect dir", problems);
    }
  }
}

// cback writes through libburn: a device path, or "stdio:/path" for a
// pseudo-drive on a regular file (an image). The original asked its writer
// class instead (cdrecord/growisofs).
void check_device(const config::Store& store, const SystemProbe& probe, Problems& problems) {
  const std::string& device = store.target_device;
  const auto fail = [&](std::string_view why) {
    problems.push_back(fmt::format("Backup device [{}] is not valid: {}.", device, why));
  };
  constexpr std::string_view k_stdio = "stdio:";
  if (device.starts_with(k_stdio)) {
    const std::string image = device.substr(k_stdio.size());
    const auto slash = image.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : image.substr(0, slash + 1);
    if (image.empty() || image.back() == '/') {
      fail("no image file is named after stdio:");
    } else if (!probe.is_directory(dir)) {
      fail(fmt::format("directory [{}] does not exist", dir));
    } else if (!probe.can(dir, W_OK | X_OK)) {
      fail(fmt::format("directory [{}] is not writable", dir));
    }
  } else if (!probe.exists(device)) {
    fail("it does not exist");
  } else if (!probe.can(device, W_OK)) {
    fail("it is not writable");
  }
}

void check_store(const config::Config& config, const SystemProbe& probe, Problems& problems) {
  if (!config.store) {
    return;
  }
  check_dir(probe, config.store->source_dir, Writable::no, "Store source directory", problems);
  check_device(*config.store, probe, problems);
}

void check_purge(const config::Config& config, const SystemProbe& probe, Problems& problems) {
  if (!config.purge) {
    return;
  }
  for (const auto& dir : config.purge->dirs) {
    check_dir(probe, dir.abs_path, Writable::yes, "Purge directory", problems);
  }
}

void check_extensions(const config::Config& config, Problems& problems) {
  if (!config.extensions) {
    return;
  }
  for (const auto& action : config.extensions->actions) {
    if (extend::resolve(action) != nullptr) {
      continue;
    }
    if (action.module) {
      problems.push_back(fmt::format("Unable to find function [{}.{}].", *action.module,
                                     action.function.value_or("")));
    } else {
      problems.push_back(
          fmt::format("Extended action [{}] is not a built-in extension of cback.", action.name));
    }
  }
}

} // namespace

bool SystemProbe::exists(const std::string& path) const {
  struct stat info {};
  return !path.empty() && ::stat(path.c_str(), &info) == 0;
}

bool SystemProbe::is_directory(const std::string& path) const {
  struct stat info {};
  return !path.empty() && ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool SystemProbe::can(const std::string& path, int access_mode) const {
  return ::access(path.c_str(), access_mode) == 0;
}

bool SystemProbe::user_exists(const std::string& name) const {
  return !name.empty() && ::getpwnam(name.c_str()) != nullptr;
}

bool SystemProbe::group_exists(const std::string& name) const {
  return !name.empty() && ::getgrnam(name.c_str()) != nullptr;
}

std::vector<std::string> validation_problems(const config::Config& config,
                                             const SystemProbe& probe) {
  Problems problems;
  if (!config.reference) {
    problems.emplace_back("Required reference configuration does not exist.");
  }
  check_options(config, probe, problems);
  check_collect(config, probe, problems);
  check_stage(config, probe, problems);
  check_store(config, probe, problems);
  check_purge(config, probe, problems);
  check_extensions(config, problems);
  return problems;
}

void run_validate(Context& context) {
  // ERROR so that the result reaches the screen; INFO (the log only) with -q.
  const auto level = context.flags.quiet ? core::LogLevel::info : core::LogLevel::error;
  const auto problems = validation_problems(context.config);
  for (const auto& problem : problems) {
    context.log.log(level, problem);
  }
  if (problems.empty()) {
    context.log.log(level, "Configuration is valid.");
    return;
  }
  context.log.log(level, "Configuration is not valid.");
  throw Error(ExitCode::config, fmt::format("validate found {} problem{}.", problems.size(),
                                            problems.size() == 1 ? "" : "s"));
}

} // namespace cback::actions
