#include <cback/extend/sysinfo.hpp>

#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/extend/dump_writer.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_extension = "sysinfo";

struct SystemDump {
  std::string_view what; ///< for the log: "Debian package dump"
  std::string_view name; ///< file name without .txt.bz2
  std::vector<std::string> argv;
  ExitStatus exit_status;
  bool optional; ///< skipped when argv[0] is missing or not executable
};

std::vector<SystemDump> system_dumps() {
  return {
      {"Debian package dump",
       "dpkg-selections",
       {"/usr/bin/dpkg", "--get-selections"},
       ExitStatus::must_be_zero,
       true},
      {"partition table dump", "fdisk-l", {"/sbin/fdisk", "-l"}, ExitStatus::must_be_zero, true},
      {"filesystem contents dump", "ls-laR", {"ls", "-laR", "/"}, ExitStatus::ignored, false},
  };
}

// The original's rule: a tool that is not there is not an error.
bool available(Context& context, const SystemDump& dump) {
  const std::string& program = dump.argv.front();
  if (!dump.optional) {
    return true;
  }
  if (!fs::exists(program)) {
    context.log.info("Not executing {} since {} doesn't seem to exist.", dump.what, program);
    return false;
  }
  if (::access(program.c_str(), X_OK) != 0) {
    context.log.info("Not executing {} since {} cannot be executed.", dump.what, program);
    return false;
  }
  return true;
}

} // namespace

void run_sysinfo(Context& context) {
  const auto& config = context.config;
  if (!config.options || !config.collect) {
    throw Error(ExitCode::action,
                "Extension [sysinfo] needs the [options] and [collect] sections.");
  }
  const fs::path collect_dir = config.collect->collect_dir;
  for (const auto& dump : system_dumps()) {
    if (!available(context, dump)) {
      continue;
    }
    DumpRequest request;
    request.extension = k_extension;
    request.item = std::string(dump.what);
    request.argv = dump.argv;
    request.target = collect_dir / fmt::format("{}.txt", dump.name);
    request.compress = config::CompressMode::bzip2;
    request.stderr_mode = core::Stderr::discard;
    request.exit_status = dump.exit_status;
    const auto written = write_dump(context, request);
    context.log.debug("Wrote {} to [{}].", dump.what, written.string());
  }
  context.log.info("Executed the sysinfo extended action successfully.");
}

} // namespace cback::extend
