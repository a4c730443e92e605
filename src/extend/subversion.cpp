#include <cback/extend/subversion.hpp>

#include <cback/collect/exclusions.hpp>
#include <cback/collect/naming.hpp>
#include <cback/context.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/calendar.hpp>
#include <cback/core/error.hpp>
#include <cback/core/read_file.hpp>
#include <cback/extend/dump_writer.hpp>
#include <cback/extend/item_errors.hpp>
#include <cback/extend/staged_files.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_extension = "subversion";

template <class Item>
SvnRepository with_modes(const config::SubversionConfig& config, const Item& item,
                         std::string path) {
  const auto collect_mode = item.collect_mode ? item.collect_mode : config.collect_mode;
  const auto compress_mode = item.compress_mode ? item.compress_mode : config.compress_mode;
  if (!collect_mode || !compress_mode) {
    throw Error(ExitCode::action,
                fmt::format("Extension [subversion]: repository [{}] has no collect mode or no "
                            "compress mode.",
                            path));
  }
  return SvnRepository{std::move(path), *collect_mode, *compress_mode};
}

// The repositories of one repository_dir: its immediate real subdirectories.
std::vector<std::string> repository_dir_children(const config::SubversionRepositoryDir& dir) {
  collect::ExclusionRules rules;
  for (const auto& relative : dir.exclude.rel_path) {
    rules.abs_paths.push_back((fs::path(dir.abs_path) / relative).string());
  }
  rules.patterns = dir.exclude.pattern;
  const collect::ExclusionMatcher matcher(rules);
  std::vector<std::string> children;
  std::error_code error;
  for (fs::directory_iterator it(dir.abs_path, error), end; !error && it != end;
       it.increment(error)) {
    const auto path = it->path().string();
    if (it->is_directory() && !it->is_symlink() && !matcher.excluded(path)) {
      children.push_back(path);
    }
  }
  if (error) {
    throw Error(ExitCode::action,
                fmt::format("Extension [subversion] cannot list repository directory [{}]: {}",
                            dir.abs_path, error.message()));
  }
  std::sort(children.begin(), children.end());
  return children;
}

long long youngest_revision(Context& context, const std::string& repository) {
  core::CommandRequest request;
  request.argv = {"svnlook", "youngest", repository};
  request.capture = core::Capture::all;
  const auto result = context.runner.run(request);
  long long revision = -1;
  const std::string first = result.output.empty() ? std::string() : result.output.front();
  const auto parsed = std::from_chars(first.data(), first.data() + first.size(), revision);
  if (result.exit_status != 0 || parsed.ec != std::errc{} || revision < 0) {
    throw Error(ExitCode::action,
                fmt::format("Extension [subversion] failed on repository [{}]: svnlook youngest "
                            "exited {}: {}",
                            repository, result.exit_status, fmt::join(result.tail, " | ")));
  }
  return revision;
}

struct Today {
  bool start_of_week = false;
  bool full = false; ///< --full or the start of the week
};

void back_up(Context& context, const SvnRepository& repository, const Today& today) {
  const auto mode = repository.collect_mode;
  if (!today.full && mode == config::CollectMode::weekly) {
    context.log.debug("Repository [{}] will not be backed up, per collect mode.", repository.path);
    return;
  }
  const bool incremental = mode == config::CollectMode::incr && !today.full;
  const fs::path state = svn_state_path(*context.config.options->working_dir, repository.path);
  const long long start = incremental ? read_last_revision(state) + 1 : 0;
  const long long end = youngest_revision(context, repository.path);
  if (start > end) {
    context.log.info("No need to back up repository [{}]; no new revisions.", repository.path);
    return;
  }
  DumpRequest dump;
  dump.extension = k_extension;
  dump.item = fmt::format("repository [{}]", repository.path);
  dump.argv = {"svnadmin",      "dump",         "--quiet", fmt::format("-r{}:{}", start, end),
               "--incremental", repository.path};
  dump.target =
      fs::path(context.config.collect->collect_dir) /
      fmt::format("svndump-{}:{}-{}.txt", start, end, collect::normalized_name(repository.path));
  dump.compress = repository.compress_mode;
  write_dump(context, dump);
  if (mode == config::CollectMode::incr) {
    write_last_revision(state, end);
    context.outputs->own(state, context.log);
  }
  context.log.info("Completed backing up Subversion repository [{}].", repository.path);
}

} // namespace

std::vector<SvnRepository> svn_repositories(const config::SubversionConfig& config) {
  std::vector<SvnRepository> result;
  for (const auto& repository : config.repositories) {
    result.push_back(with_modes(config, repository, repository.abs_path));
  }
  for (const auto& dir : config.repository_dirs) {
    for (auto& child : repository_dir_children(dir)) {
      result.push_back(with_modes(config, dir, std::move(child)));
    }
  }
  return result;
}

fs::path svn_state_path(const fs::path& working_dir, const std::string& repository) {
  return working_dir / (collect::normalized_name(repository) + ".svnlast");
}

long long read_last_revision(const fs::path& state) {
  const auto content = core::read_file(state);
  if (!content) {
    return -1;
  }
  const std::string& text = *content;
  // Protocol 0 int: "I782\n."; a Python 2 long: "L782L\n.".
  const bool is_int = text.starts_with('I');
  const bool is_long = text.starts_with('L');
  long long revision = -1;
  if (!is_int && !is_long) {
    return -1;
  }
  const auto parsed = std::from_chars(text.data() + 1, text.data() + text.size(), revision);
  if (parsed.ec != std::errc{}) {
    return -1;
  }
  return revision;
}

void write_last_revision(const fs::path& state, long long revision) {
  core::AtomicFile file(state);
  file.write(fmt::format("I{}\n.", revision));
  file.commit();
}

void run_subversion(Context& context) {
  const auto& config = context.config;
  if (!config.options || !config.options->working_dir || !config.collect || !config.subversion) {
    throw Error(ExitCode::action, "Extension [subversion] needs the [options] (with working_dir), "
                                  "[collect] and [subversion] sections.");
  }
  Today today;
  today.start_of_week =
      config.options->starting_day &&
      core::is_start_of_week(config::to_chrono(*config.options->starting_day), core::today());
  today.full = context.flags.full == core::Full::yes || today.start_of_week;
  ItemErrors errors(k_extension, "repositories");
  for (const auto& repository : svn_repositories(*config.subversion)) {
    errors.attempt(context, repository.path, [&] { back_up(context, repository, today); });
  }
  errors.check();
  context.log.info("Executed the Subversion extended action successfully.");
}

} // namespace cback::extend
