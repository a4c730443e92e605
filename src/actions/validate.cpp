#include <cback/actions/validate.hpp>

#include <cback/actions/stage.hpp>
#include <cback/actions/store.hpp>
#include <cback/context.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>
#include <cback/core/process.hpp>
#include <cback/core/progress.hpp>
#include <cback/extend/encrypt.hpp>
#include <cback/extend/python_bridge.hpp>
#include <cback/extend/registry.hpp>
#include <cback/peer/ssh_session.hpp>

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <string_view>
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

// The program a hook runs: an <override> of its name, else the name, as
// the runner resolves it.
std::string resolve_override(const config::Config& config, const std::string& name) {
  std::string program = name;
  if (config.options) {
    for (const auto& entry : config.options->overrides) {
      if (entry.command == name) {
        program = entry.abs_path;
      }
    }
  }
  return program;
}

// Whether `program` runs: an executable file at that path when it has a
// slash, else in one of the PATH's directories (execvp's search). A
// program that does not fails its hook, and so the hook's action, at night.
bool runnable(const std::string& program, const SystemProbe& probe) {
  const auto executable = [&probe](const std::string& path) {
    return probe.exists(path) && !probe.is_directory(path) && probe.can(path, X_OK);
  };
  if (program.find('/') != std::string::npos) {
    return executable(program);
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const std::size_t colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    if (executable((dir.empty() ? std::string(".") : dir) + "/" + program)) {
      return true;
    }
    if (colon == std::string_view::npos) {
      return false;
    }
    dirs.remove_prefix(colon + 1);
  }
}

void check_hook_list(const config::Config& config, const std::vector<config::ActionHook>& hooks,
                     std::string_view kind, const SystemProbe& probe, Problems& problems) {
  for (const auto& hook : hooks) {
    const auto fields = core::split_command_line(hook.command);
    if (fields.empty()) {
      problems.push_back(
          fmt::format("The {} hook for action {} has an empty command.", kind, hook.action));
    } else if (const std::string program = resolve_override(config, fields[0]);
               !runnable(program, probe)) {
      problems.push_back(fmt::format(
          "The {} hook for action {} runs [{}], which is not an executable file{}.", kind,
          hook.action, program, program.find('/') == std::string::npos ? " on the PATH" : ""));
    }
  }
}

void check_hooks(const config::Config& config, const SystemProbe& probe, Problems& problems) {
  if (config.options) {
    check_hook_list(config, config.options->pre_action_hooks, "pre-action", probe, problems);
    check_hook_list(config, config.options->post_action_hooks, "post-action", probe, problems);
  }
}

// The remote peers a night reaches over SSH: stage's (SFTP transport) and
// the managed clients, each once, with the endpoint that action uses. A
// key is never added here (validate changes nothing), so an unknown key
// is reported even where stage would accept it (accept_new_host_keys).
std::vector<peer::SshEndpoint> ssh_endpoints(const config::Config& config) {
  std::vector<peer::SshEndpoint> endpoints;
  std::set<std::string> seen;
  if (config.stage && config.options &&
      config.stage->transport != config::StageTransport::command) {
    for (const auto& peer : stage_peers(config)) {
      if (peer.type == config::PeerType::remote && seen.insert(peer.name).second) {
        endpoints.push_back(stage_endpoint(config, peer));
      }
    }
  }
  if (config.peers && config.options) {
    for (const auto& peer : config.peers->peers) {
      if (peer.type == config::PeerType::remote && peer.managed && seen.insert(peer.name).second) {
        endpoints.push_back(peer::endpoint_for(config, peer));
      }
    }
  }
  for (auto& endpoint : endpoints) {
    endpoint.accept_new_host_key = false;
  }
  return endpoints;
}

// What only the machine's surroundings can answer: every remote peer is
// reachable, its host key known and unchanged and our key accepted (the
// stage's own connection, so the same messages); gpg knows the encrypt
// recipient.
// A site's own Python module: the original reads the configuration and the
// function exists (the bridge imports the module; it calls nothing).
void check_site_modules(Context& context, Problems& problems) {
  if (!context.config.extensions) {
    return;
  }
  for (const auto& action : context.config.extensions->actions) {
    if (!extend::is_site_module(action)) {
      continue;
    }
    context.log.debug("Validating the Python module of extended action [{}].", action.name);
    if (auto problem = extend::check_site_module(context, action)) {
      problems.push_back(std::move(*problem));
    }
  }
}

void check_online(Context& context, Problems& problems) {
  const config::Config& config = context.config;
  for (const auto& endpoint : ssh_endpoints(config)) {
    context.log.debug("Validating the SSH connection to peer [{}].", endpoint.peer_name);
    try {
      (void)peer::SshSession::connect(endpoint);
    } catch (const Error& error) {
      problems.emplace_back(error.what());
    }
  }
  if (config.encrypt && config.encrypt->encrypt_mode == "gpg") {
    try {
      extend::confirm_gpg_recipient(context, config.encrypt->encrypt_target);
    } catch (const Error& error) {
      problems.emplace_back(error.what());
    }
  }
  check_site_modules(context, problems);
}

// The day store would write tonight against a blank medium of the
// configured type: a day larger than that can never be stored, whatever
// the disc in the drive. The drive itself is not opened (validate may run
// beside a store that is writing to it).
void check_capacity(Context& context, Problems& problems) {
  const config::Config& config = context.config;
  if (!config.store || !config.stage) {
    return;
  }
  std::optional<StagingDay> day;
  try {
    day = select_staging_day(config.stage->staging_dir, core::today(), context.flags.full);
  } catch (const Error& error) {
    context.log.info("No staged day to store ({}); the medium's capacity was not checked.",
                     error.what());
    return;
  }
  const std::int64_t needs = least_image_bytes(day->dir);
  const media::MediaTraits& media = media::traits(config.store->media_type);
  const std::int64_t capacity = media::blank_capacity(media);
  if (needs > capacity) {
    problems.push_back(fmt::format(
        "The staged day [{}] needs at least {}, more than the {} a blank {} takes: store "
        "cannot write it.",
        day->dir.string(), core::display_bytes(needs), core::display_bytes(capacity), media.name));
  } else {
    context.log.info("The staged day [{}] needs at least {} of the {} a blank {} takes.",
                     day->dir.string(), core::display_bytes(needs), core::display_bytes(capacity),
                     media.name);
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
  check_options(config, probe, problems);
  check_hooks(config, probe, problems);
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
  auto problems = validation_problems(context.config);
  check_capacity(context, problems);
  if (context.flags.offline) {
    context.log.info(
        "Peers, the gpg keyring and site Python modules were not checked (--offline).");
  } else {
    check_online(context, problems);
  }
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
