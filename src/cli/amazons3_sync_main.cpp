// The cback-amazons3-sync program (docs/cback-amazons3-sync.1): cback's
// logging switches, the original's -v, -u and -w, and --endpoint-url and
// --dry-run; two words, the source directory and s3://BUCKET[/PATH].

#include <cback/cli/diagnostics.hpp>
#include <cback/cli/main.hpp>
#include <cback/cli/options.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/stop.hpp>
#include <cback/s3/sync.hpp>
#include <cback/version.hpp>

#include <fmt/format.h>

#include <clocale>
#include <cstdlib>
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
 Keys come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws.

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

Error usage_error(const std::string& message) {
  return Error(ExitCode::usage, message);
}

// Takes this program's switches out of `args`; the rest are cback's.
void take_own_switches(std::vector<std::string>& args, Invocation& invocation) {
  std::vector<std::string> rest;
  auto& request = invocation.request;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-v" || arg == "--verifyOnly") {
      request.verify_only = true;
    } else if (arg == "-u" || arg == "--uploadOnly") {
      request.upload_only = true;
    } else if (arg == "-w" || arg == "--ignoreWarnings") {
      request.ignore_encoding = true;
    } else if (arg == "--dry-run") {
      request.dry_run = true;
    } else if (arg.starts_with("--endpoint-url=")) {
      invocation.endpoint_url = arg.substr(15);
    } else if (arg == "--endpoint-url") {
      if (i + 1 == args.size()) {
        throw usage_error("Option --endpoint-url needs a value.");
      }
      invocation.endpoint_url = args[++i];
    } else {
      rest.push_back(arg);
    }
  }
  args = std::move(rest);
}

std::optional<int> parse(int argc, char** argv, Invocation& invocation) {
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    take_own_switches(args, invocation);
    invocation.options = parse_options(args);
    const auto& words = invocation.options.actions;
    if (!invocation.options.help && !invocation.options.version &&
        !invocation.options.diagnostics && words.size() != 2) {
      throw usage_error("Source directory and S3 bucket URL are both required.");
    }
  } catch (const Error& error) {
    std::cerr << k_usage << " *** Error: " << error.what() << "\n";
    return static_cast<int>(ExitCode::usage);
  }
  if (invocation.options.help) {
    std::cerr << k_usage;
    return 0;
  }
  if (invocation.options.version) {
    std::cout << fmt::format(
        "\n Cedar Backup Amazon S3 sync tool.\n Included with cback version {}.\n\n", k_version);
    return 0;
  }
  if (invocation.options.diagnostics) {
    std::cout << diagnostics_block(diagnostic_values());
    return 0;
  }
  return std::nullopt;
}

int finish(core::Logger& log, int code) {
  log.info("Cedar Backup Amazon S3 sync run completed with status {}.", code);
  return code;
}

int run(core::Logger& log, Invocation& invocation) {
  log.info("Cedar Backup Amazon S3 sync run started.");
  log.info("Options were [{}]", argument_string(invocation.options));
  core::StopFlag stop;
  core::install_stop_handlers(stop);
  try {
    auto& request = invocation.request;
    request.source = invocation.options.actions[0];
    request.target = s3::parse_location(invocation.options.actions[1]);
    s3::SettingsRequest settings;
    settings.endpoint_url = invocation.endpoint_url;
    const char* home = std::getenv("HOME");
    settings.home = home != nullptr ? home : "/";
    s3::ClientOptions options;
    options.settings = s3::resolve_settings(settings, s3::process_environment());
    s3::Client client(std::move(options), log, &stop);
    s3::sync(client, request, log, std::cout);
    std::cout.flush();
    return finish(log, 0);
  } catch (const Error& error) {
    std::cout.flush();
    log.error("Error executing sync: {}", error.what());
    if (invocation.options.stack) {
      report_stack(log, error);
    }
    return finish(log, static_cast<int>(error.code()));
  } catch (const std::exception& error) {
    log.error("Error executing sync: {}", error.what());
    return finish(log, static_cast<int>(ExitCode::action));
  }
}

} // namespace

int amazons3_sync_main(int argc, char** argv) {
  std::setlocale(LC_CTYPE, "");
  Invocation invocation;
  if (const auto done = parse(argc, argv, invocation)) {
    return *done;
  }
  core::Logger log;
  try {
    log.configure(log_settings(invocation.options));
  } catch (const Error& error) {
    std::cerr << error.what() << "\n";
    return static_cast<int>(ExitCode::logging);
  }
  const int code = run(log, invocation);
  core::remove_stop_handlers();
  return code;
}

} // namespace cback::cli
