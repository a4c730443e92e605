#include <cback/extend/mbox.hpp>

#include <cback/collect/exclusions.hpp>
#include <cback/collect/naming.hpp>
#include <cback/context.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>
#include <cback/core/temp_dir.hpp>
#include <cback/extend/dump_writer.hpp>
#include <cback/extend/item_errors.hpp>
#include <cback/extend/mbox_archive.hpp>
#include <cback/extend/mbox_state.hpp>
#include <cback/extend/staged_files.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_extension = "mbox";

struct MboxItem {
  std::string path;
  bool is_dir = false;
  config::CollectMode collect_mode = config::CollectMode::daily;
  config::CompressMode compress_mode = config::CompressMode::none;
  config::Exclusions exclude;
};

struct Run {
  LocalTime now;     ///< taken when the action starts, saved as the next "since"
  bool full = false; ///< --full or the start of the week
  fs::path working_dir;
  fs::path collect_dir;
};

template <class Item>
MboxItem item_of(const config::MboxConfig& config, const Item& item, bool is_dir) {
  const auto collect_mode = item.collect_mode ? item.collect_mode : config.collect_mode;
  const auto compress_mode = item.compress_mode ? item.compress_mode : config.compress_mode;
  if (!collect_mode || !compress_mode) {
    throw Error(ExitCode::action,
                fmt::format("Extension [mbox]: [{}] has no collect mode or no compress mode.",
                            item.abs_path));
  }
  return MboxItem{item.abs_path, is_dir, *collect_mode, *compress_mode, {}};
}

std::vector<MboxItem> mbox_items(const config::MboxConfig& config) {
  std::vector<MboxItem> items;
  for (const auto& file : config.files) {
    items.push_back(item_of(config, file, false));
  }
  for (const auto& dir : config.dirs) {
    items.push_back(item_of(config, dir, true));
    items.back().exclude = dir.exclude;
  }
  return items;
}

std::vector<std::string> grepmail_argv(const std::string& mailbox,
                                       const std::optional<LocalTime>& since) {
  std::vector<std::string> argv{"grepmail", "-a", "-u"};
  if (since) {
    argv.emplace_back("-d");
    argv.push_back("since " + iso_text(*since));
  }
  argv.push_back(mailbox);
  return argv;
}

// grepmail's output for one mailbox, committed by rename to `target`
// (without the compression suffix); returns the file written.
// grepmail skips a mailbox it cannot open and still exits 0: without this
// check a missing mailbox would be "backed up" as an empty file.
fs::path grepmail(Context& context, const std::string& mailbox,
                  const std::optional<LocalTime>& since, const fs::path& target,
                  config::CompressMode compress) {
  if (::access(mailbox.c_str(), R_OK) != 0) {
    throw Error(ExitCode::action, fmt::format("Extension [mbox] failed on mailbox [{}]: {}",
                                              mailbox, std::strerror(errno)));
  }
  DumpRequest dump;
  dump.extension = k_extension;
  dump.item = fmt::format("mailbox [{}]", mailbox);
  dump.argv = grepmail_argv(mailbox, since);
  dump.target = target;
  dump.compress = compress;
  dump.stderr_mode = core::Stderr::discard;
  return write_dump(context, dump);
}

// The files of a mailbox dir: not recursive, subdirectories left out.
std::vector<std::string> mailboxes_in(const MboxItem& item) {
  collect::ExclusionRules rules;
  for (const auto& relative : item.exclude.rel_path) {
    rules.abs_paths.push_back((fs::path(item.path) / relative).string());
  }
  rules.patterns = item.exclude.pattern;
  const collect::ExclusionMatcher matcher(rules);
  std::vector<std::string> files;
  std::error_code error;
  for (fs::directory_iterator it(item.path, error), end; !error && it != end; it.increment(error)) {
    if (!it->is_directory() && !matcher.excluded(it->path().string())) {
      files.push_back(it->path().string());
    }
  }
  if (error) {
    throw Error(ExitCode::action, fmt::format("Extension [mbox] cannot list directory [{}]: {}",
                                              item.path, error.message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

void back_up_dir(Context& context, const MboxItem& item, const std::optional<LocalTime>& since,
                 const Run& run) {
  const auto scratch = core::TempDir::create(run.working_dir, "cback-mbox-");
  std::vector<fs::path> copies;
  for (const auto& mailbox : mailboxes_in(item)) {
    copies.push_back(grepmail(context, mailbox, since,
                              scratch.path() / fs::path(mailbox).filename(),
                              config::CompressMode::none));
  }
  const auto target = run.collect_dir / fmt::format("mbox-{}-{}.tar{}", date_text(run.now),
                                                    collect::normalized_name(item.path),
                                                    compress_suffix(item.compress_mode));
  write_flat_tar(copies, target, item.compress_mode, context.stop);
  context.outputs->own(target, context.log);
}

void back_up(Context& context, const MboxItem& item, const Run& run) {
  const bool incremental = item.collect_mode == config::CollectMode::incr;
  if (!run.full && item.collect_mode == config::CollectMode::weekly) {
    context.log.debug("Mbox [{}] will not be backed up, per collect mode.", item.path);
    return;
  }
  const fs::path state = mbox_state_path(run.working_dir, item.path);
  const auto since = (incremental && !run.full) ? read_mbox_last(state) : std::nullopt;
  if (item.is_dir) {
    back_up_dir(context, item, since, run);
  } else {
    grepmail(context, item.path, since,
             run.collect_dir /
                 fmt::format("mbox-{}-{}", date_text(run.now), collect::normalized_name(item.path)),
             item.compress_mode);
  }
  if (incremental) {
    write_mbox_last(state, run.now);
    context.outputs->own(state, context.log);
  }
  context.log.info("Completed backing up mbox [{}].", item.path);
}

} // namespace

void run_mbox(Context& context) {
  Run run;
  run.now = local_time(std::chrono::system_clock::now());
  const auto& config = context.config;
  if (!config.options || !config.options->working_dir || !config.collect || !config.mbox) {
    throw Error(ExitCode::action, "Extension [mbox] needs the [options] (with working_dir), "
                                  "[collect] and [mbox] sections.");
  }
  run.working_dir = *config.options->working_dir;
  run.collect_dir = config.collect->collect_dir;
  const bool start =
      config.options->starting_day &&
      core::is_start_of_week(config::to_chrono(*config.options->starting_day), core::today());
  run.full = context.flags.full == core::Full::yes || start;
  ItemErrors errors(k_extension, "items");
  for (const auto& item : mbox_items(*config.mbox)) {
    errors.attempt(context, item.path, [&] { back_up(context, item, run); });
  }
  errors.check();
  context.log.info("Executed the mbox extended action successfully.");
}

} // namespace cback::extend
