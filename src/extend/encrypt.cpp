#include <cback/extend/encrypt.hpp>

#include <cback/context.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/beneath.hpp>
#include <cback/core/error.hpp>
#include <cback/extend/staged_files.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <set>
#include <string>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_indicator = "cback.encrypt";

std::string last_lines(const core::CommandResult& result) {
  return result.tail.empty() ? std::string("no output")
                             : fmt::format("{}", fmt::join(result.tail, " | "));
}

// The staged file `file`, opened for gpg's stdin without following a link:
// the staging dir belongs to the backup user, who could otherwise swap a
// staged file for a link to a file only root may read between the listing
// and gpg's open of it.
core::UniqueFd open_staged(const fs::path& file) {
  const core::UniqueFd dir(
      ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) {
    throw Error(ExitCode::action, fmt::format("Unable to open [{}] to encrypt it: {}",
                                              file.string(), std::strerror(errno)));
  }
  auto opened = core::open_regular_beneath(dir.get(), file.filename().string(), O_RDONLY);
  if (!opened) {
    throw Error(ExitCode::action, fmt::format("Unable to open [{}] to encrypt it: {}",
                                              file.string(), opened.error().message()));
  }
  return std::move(*opened);
}

// Encrypts `file` to FILE.gpg, gpg reading it from stdin and writing its
// stdout, so the output is committed by rename only once gpg exited 0;
// then removes `file`.
void encrypt_file(Context& context, const fs::path& file, const std::string& recipient,
                  const core::Outputs& outputs) {
  const fs::path encrypted = file.string() + ".gpg";
  const auto input = open_staged(file);
  core::AtomicFile output(encrypted);
  core::CommandRequest request;
  request.argv = {"gpg", "--batch", "--yes", "-e", "-r", recipient, "-o", "-"};
  request.stdin_fd = input.get();
  request.stdout_fd = output.fd();
  const auto result = context.runner.run(request);
  if (result.exit_status != 0) {
    throw Error(ExitCode::action,
                fmt::format("Error [{}] calling gpg to encrypt [{}]: {}", result.exit_status,
                            file.string(), last_lines(result)));
  }
  output.commit();
  outputs.own(encrypted, context.log);
  std::error_code error;
  if (!fs::remove(file, error) || error) {
    throw Error(ExitCode::action, fmt::format("Failed to remove file [{}] after encrypting it: {}",
                                              file.string(), error.message()));
  }
  context.log.debug("Completed encrypting file [{}] to [{}].", file.string(), encrypted.string());
}

// A run stopped after F.gpg was committed but before F was removed leaves
// both; the next run encrypts F again (replacing F.gpg) and must not take
// that F.gpg for a staged file of its own.
std::vector<fs::path> files_to_encrypt(const fs::path& daily_dir) {
  const auto files = staged_files(daily_dir);
  const std::set<fs::path> present(files.begin(), files.end());
  std::vector<fs::path> result;
  for (const auto& file : files) {
    const bool leftover =
        file.extension() == ".gpg" && present.contains(fs::path(file).replace_extension());
    if (!leftover) {
      result.push_back(file);
    }
  }
  return result;
}

} // namespace

// The original's _confirmGpgRecipient: `gpg -k` fails for an unknown key.
void confirm_gpg_recipient(Context& context, const std::string& recipient) {
  core::CommandRequest request;
  request.argv = {"gpg", "--batch", "-k", recipient};
  const auto result = context.runner.run(request);
  if (result.exit_status != 0) {
    throw Error(ExitCode::action, fmt::format("GPG unable to find public key for [{}]: {}",
                                              recipient, last_lines(result)));
  }
}

void run_encrypt(Context& context) {
  const auto& config = context.config;
  if (!config.options || !config.stage || !config.encrypt) {
    throw Error(ExitCode::action,
                "Extension [encrypt] needs the [options], [stage] and [encrypt] sections.");
  }
  const auto& encrypt = *config.encrypt;
  if (encrypt.encrypt_mode != "gpg") {
    throw Error(ExitCode::action, fmt::format("Unknown encrypt mode [{}]", encrypt.encrypt_mode));
  }
  confirm_gpg_recipient(context, encrypt.encrypt_target);
  const core::Outputs& outputs = context.outputs.get();
  for (const auto& daily_dir :
       unprocessed_daily_dirs(config.stage->staging_dir, k_indicator, context.log)) {
    context.log.debug("Begin encrypting contents of [{}].", daily_dir.string());
    for (const auto& file : files_to_encrypt(daily_dir)) {
      encrypt_file(context, file, encrypt.encrypt_target, outputs);
    }
    outputs.write_indicator(daily_dir / k_indicator, context.log);
  }
  context.log.info("Executed the encrypt extended action successfully.");
}

} // namespace cback::extend
