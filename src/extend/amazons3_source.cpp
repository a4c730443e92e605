#include "amazons3_source.hpp"

#include <cback/collect/manifest.hpp>
#include <cback/context.hpp>
#include <cback/core/beneath.hpp>
#include <cback/core/error.hpp>
#include <cback/extend/staged_files.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The argv that runs `command` as the backup user, as the original ran it
// through su; /bin/sh when there is no other user to become.
std::vector<std::string> shell_argv(const Context& context, const std::string& command) {
  const auto& options = *context.config.options;
  if (::geteuid() == 0 && options.backup_user && *options.backup_user != "root") {
    return {"su", *options.backup_user, "-c", command};
  }
  return {"/bin/sh", "-c", command};
}

// Every staged file, and each peer's manifest (docs/manifest.md): it is
// no indicator but what a restore from the bucket checks the archives
// against (cback-restore --from s3://).
std::vector<fs::path> files_to_upload(const fs::path& daily_dir) {
  auto files = staged_files(daily_dir);
  std::error_code error;
  for (const auto& peer : fs::directory_iterator(daily_dir, error)) {
    const fs::path manifest = peer.path() / std::string(collect::k_manifest_file_name);
    if (peer.is_directory() && !peer.is_symlink() &&
        fs::is_regular_file(fs::symlink_status(manifest))) {
      files.push_back(manifest);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

} // namespace

std::vector<StagedObject> list_staged_objects(const fs::path& daily_dir) {
  std::vector<StagedObject> objects;
  for (const auto& path : files_to_upload(daily_dir)) {
    struct ::stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      throw Error(ExitCode::action, fmt::format("Cannot stat staged file [{}]: {}", path.string(),
                                                std::strerror(errno)));
    }
    objects.push_back(
        {path.lexically_relative(daily_dir), static_cast<std::uint64_t>(st.st_size),
         static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec});
  }
  return objects;
}

core::UniqueFd open_staged_object(const fs::path& daily_dir, const fs::path& relative) {
  const auto fail = [&](const std::string& why) -> Error {
    return Error(ExitCode::action, fmt::format("Unable to open staged file [{}] to upload it: {}",
                                               (daily_dir / relative).string(), why));
  };
  core::UniqueFd dir(::open(daily_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) {
    throw fail(std::strerror(errno));
  }
  std::vector<std::string> parts;
  for (const auto& part : relative) {
    parts.push_back(part.string());
  }
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    core::UniqueFd next = core::open_beneath(dir.get(), parts[i], O_RDONLY | O_DIRECTORY);
    if (!next) {
      throw fail(std::strerror(errno));
    }
    dir = std::move(next);
  }
  auto file = core::open_regular_beneath(dir.get(), parts.back(), O_RDONLY);
  if (!file) {
    throw fail(file.error().message());
  }
  // open_regular_beneath adds O_NONBLOCK (for the open); reads must block.
  ::fcntl(file->get(), F_SETFL, ::fcntl(file->get(), F_GETFL) & ~O_NONBLOCK);
  return std::move(*file);
}

EncryptStream::EncryptStream(Context& context, const std::string& command, core::UniqueFd input,
                             std::string name)
    : m_input(std::move(input)), m_name(std::move(name)) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    throw Error(ExitCode::action, fmt::format("Cannot make a pipe to encrypt [{}]: {}", m_name,
                                              std::strerror(errno)));
  }
  m_read = core::UniqueFd(ends[0]);
  auto write = std::make_shared<core::UniqueFd>(ends[1]);
  core::CommandRequest request;
  request.argv = shell_argv(context, replace_all(replace_all(command, "${input}", "/dev/stdin"),
                                                 "${output}", "/dev/stdout"));
  request.stdin_fd = m_input.get();
  request.stdout_fd = write->get();
  m_thread = std::thread([this, &context, request = std::move(request), write] {
    try {
      const auto result = context.runner.run(request);
      m_status = result.exit_status;
      m_tail = result.tail.empty() ? "no output" : fmt::format("{}", fmt::join(result.tail, " | "));
    } catch (const std::exception& e) {
      m_status = -1;
      m_tail = e.what();
    }
    write->reset(); // the reader sees the end of the output
  });
}

EncryptStream::~EncryptStream() {
  if (m_thread.joinable()) {
    m_read.reset();
    m_thread.join();
  }
}

void EncryptStream::finish() {
  m_thread.join();
  if (m_status != 0) {
    throw Error(ExitCode::action, fmt::format("Error [{}] running the encrypt command on [{}]: {}",
                                              m_status, m_name, m_tail));
  }
}

} // namespace cback::extend
