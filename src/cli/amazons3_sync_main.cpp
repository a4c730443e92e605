// The cback-amazons3-sync program (docs/cback-amazons3-sync.1): cback's
// logging switches, the original's -v, -u and -w, and --endpoint-url and
// --dry-run; two words, the source directory and s3://BUCKET[/PATH].

#include <cback/cli/diagnostics.hpp>
#include <cback/cli/main.hpp>
#include <cback/cli/options.hpp>
#include <cback/cli/program.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/stop.hpp>
#include <cback/extend/amazons3.hpp>
#include <cback/s3/sync.hpp>
#include <cback/version.hpp>

#include <fmt/format.h>

#include <clocale>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace cback::cli {
namespace {

constexpr std::string_view k_usage = R"(
 Usage: cback-amazons3-sync [switches] sourceDir s3bucketUrl

 Cedar Backup Amazon S3 sync tool.

 This utility makes an S3 bucket path (s3://BUCKET/PATH) hold the files of
 a local directory, then verifies that every file is there with its size.
 Keys come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws; with -c,
 as the amazons3 extension finds them (its profile, region, endpoint_url,
 and the backup user's ~/.aws when run as root), and its part_size,
 parallel_parts, bandwidth_limit and storage_class apply.

   -h, --help            Display this usage/help listing
   -V, --version         Display version information
   -b, --verbose         Print verbose output as well as logging to disk
   -q, --quiet           Run quietly (display no output to the screen)
   -l, --logfile         Path to logfile (default: /var/log/cback.log)
   -o, --owner           Logfile ownership, user:group (default: root:adm)
   -m, --mode            Octal logfile permissions mode (default: 640)
   -O, --output          Record some sub-command output to the log
   -d, --debug           Write debugging information to the log (implies --output)
   -s, --stack           Dump a stack trace instead of swallowing exceptions
   -D, --diagnostics     Print runtime diagnostics to the screen and exit
   -c, --config          A cback config whose [amazons3] and backup user apply
   -v, --verifyOnly      Only verify the S3 bucket contents, do not make changes
   -u, --uploadOnly      Only upload new data, do not remove files in the S3 bucket
   -w, --ignoreWarnings  Ignore warnings about problematic filename encodings
   --endpoint-url URL    An S3-compatible service instead of AWS
   --dry-run             Show what would be uploaded and deleted; change nothing

)";

struct Invocation {
  Options options;
  s3::SyncRequest request;
  std::optional<std::string> endpoint_url;
};

// Takes this program's switches out of `args`; the rest are cback's.
void take_own_switches(std::vector<std::string>& args, Invocation& invocation) {
  std::vector<std::string> rest;
  auto& request = invocation.request;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (auto endpoint = long_value(args, i, "endpoint-url")) {
      invocation.endpoint_url = std::move(endpoint);
    } else if (arg == "-v" || arg == "--verifyOnly") {
      request.verify_only = true;
    } else if (arg == "-u" || arg == "--uploadOnly") {
      request.upload_only = true;
    } else if (arg == "-w" || arg == "--ignoreWarnings") {
      request.ignore_encoding = true;
    } else if (arg == "--dry-run") {
      request.dry_run = true;
    } else {
      rest.push_back(arg);
    }
  }
  args = std::move(rest);
}

const std::string k_version_block = fmt::format(
    "\n Cedar Backup Amazon S3 sync tool.\n Included with cback version {}.\n\n", k_version);
const ProgramText k_text{k_usage, k_version_block, "Cedar Backup Amazon S3 sync", "executing sync",
                         "Sync interrupted."};

// Two words: the source directory and s3://BUCKET[/PATH].
void check_words(const Options& options) {
  if (!options.help && !options.version && !options.diagnostics && options.actions.size() != 2) {
    throw usage_error("Source directory and S3 bucket URL are both required.");
  }
}

int run(core::Logger& log, Invocation& invocation, core::StopFlag& stop) {
  auto& request = invocation.request;
  request.source = invocation.options.actions[0];
  request.target = s3::parse_location(invocation.options.actions[1]);
  ProgressScreen screen(log, run_flags(invocation.options));
  request.progress = &screen.board();
  s3::SettingsRequest settings;
  s3::ClientOptions options;
  if (invocation.options.given.config) {
    const auto config = load_configuration(log, invocation.options.config);
    if (!config) {
      return static_cast<int>(ExitCode::config);
    }
    settings = extend::amazons3_settings_request(*config);
    request.tuning = extend::amazons3_tuning(*config);
    options.bandwidth_limit = extend::amazons3_bandwidth_limit(*config);
  } else {
    settings.home = s3::aws_home(std::nullopt, s3::process_environment());
  }
  if (invocation.endpoint_url) {
    settings.endpoint_url = invocation.endpoint_url;
  }
  options.settings = s3::resolve_settings(settings, s3::process_environment());
  s3::Client client(std::move(options), log, &stop);
  s3::sync(client, request, log, std::cout);
  return 0;
}

} // namespace

int amazons3_sync_main(int argc, char** argv) {
  Invocation invocation;
  const auto take_own = [&](std::vector<std::string>& args) {
    take_own_switches(args, invocation);
  };
  if (const auto done =
          parse_program(argc, argv, k_text, invocation.options, take_own, check_words)) {
    return *done;
  }
  return run_program(invocation.options, k_text, [&](core::Logger& log, core::StopFlag& stop) {
    return run(log, invocation, stop);
  });
}

} // namespace cback::cli
