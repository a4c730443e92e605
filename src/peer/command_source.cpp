#include <cback/peer/command_source.hpp>

#include <cback/core/beneath.hpp>
#include <cback/core/error.hpp>
#include <cback/core/unique_fd.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace cback::peer {

namespace fs = std::filesystem;

std::string shell_join(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& word : argv) {
    if (!text.empty()) {
      text += ' ';
    }
    text += '\'';
    for (const char c : word) {
      text += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    text += '\'';
  }
  return text;
}

namespace {

// An empty regular file `name` in `dir`, made afresh: whatever was at that
// name (a symlink included) is removed first, and the file is created with
// O_EXCL beneath the directory, so nothing is written through a link.
void create_empty(const fs::path& dir, const char* name) {
  const core::UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  core::UniqueFd file;
  if (dir_fd && (::unlinkat(dir_fd.get(), name, 0) == 0 || errno == ENOENT)) {
    file = core::open_beneath(dir_fd.get(), name, O_WRONLY | O_CREAT | O_EXCL, 0644);
  }
  if (!file) {
    throw Error(ExitCode::action, fmt::format("Unable to create [{}]: {}", (dir / name).string(),
                                              std::strerror(errno)));
  }
}

} // namespace

CommandSource::CommandSource(CommandEndpoint endpoint, core::CommandRunner& runner)
    : m_endpoint(std::move(endpoint)), m_runner(runner) {}

CommandSource::~CommandSource() = default;

void CommandSource::open() {
  auto scratch = core::TempDir::make(m_endpoint.working_dir, "cback-stage-");
  if (!scratch) {
    throw Error(ExitCode::action,
                fmt::format("{}: unable to make a scratch directory in [{}]: {}", describe(),
                            m_endpoint.working_dir.string(), scratch.error().message()));
  }
  m_scratch = std::move(*scratch);
  fs::create_directory(m_scratch->path() / "files");
}

// The original escapes spaces for the remote shell that expands the glob.
std::string CommandSource::remote_path(const std::string& name) const {
  std::string path;
  for (const char c : m_endpoint.collect_dir + "/" + name) {
    path += c == ' ' ? std::string("\\ ") : std::string(1, c);
  }
  return m_endpoint.remote + ":" + path;
}

core::CommandResult CommandSource::copy(const std::string& from, const std::string& to) {
  auto argv = m_endpoint.rcp;
  argv.push_back(from);
  argv.push_back(to);
  if (m_endpoint.su_as) {
    argv = {"su", *m_endpoint.su_as, "-c", shell_join(argv)};
  }
  core::CommandRequest request;
  request.argv = std::move(argv);
  return m_runner.run(request);
}

bool CommandSource::collect_indicator_present() {
  const auto target = m_scratch->path() / k_collect_indicator;
  const auto result = copy(remote_path(k_collect_indicator), target.string());
  std::error_code ignored;
  // What the copy left is not followed: only a regular file counts.
  struct ::stat st {};
  const bool ready = result.exit_status == 0 &&
                     ::fstatat(AT_FDCWD, target.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                     S_ISREG(st.st_mode);
  fs::remove(target, ignored);
  return ready;
}

LocalSource& CommandSource::fetched() {
  if (!m_local) {
    const auto result = copy(remote_path("*"), (m_scratch->path() / "files").string());
    if (result.exit_status != 0) {
      std::string tail;
      for (const auto& line : result.tail) {
        tail += " " + line;
      }
      throw Error(ExitCode::action, fmt::format("{}: the copy command failed with exit status "
                                                "{}:{}",
                                                describe(), result.exit_status, tail));
    }
    m_local = std::make_unique<LocalSource>(m_endpoint.peer_name, m_scratch->path() / "files");
  }
  return *m_local;
}

std::vector<SourceEntry> CommandSource::list() {
  return fetched().list();
}

std::optional<std::string> CommandSource::read_small(const std::string& name) {
  return fetched().read_small(name);
}

bool CommandSource::pull(const SourceEntry& entry, std::uint64_t offset, core::BufferPool& pool,
                         const ChunkSink& sink) {
  return fetched().pull(entry, offset, pool, sink);
}

void CommandSource::write_stage_indicator() {
  const auto indicator = m_scratch->path() / k_stage_indicator;
  create_empty(m_scratch->path(), k_stage_indicator);
  const auto result = copy(indicator.string(), remote_path(k_stage_indicator));
  if (result.exit_status != 0) {
    throw Error(ExitCode::action,
                fmt::format("{}: unable to write [{}] (exit status {}).", describe(),
                            remote_path(k_stage_indicator), result.exit_status));
  }
}

std::string CommandSource::describe() const {
  return fmt::format("peer [{}] ({}:{})", m_endpoint.peer_name, m_endpoint.remote,
                     m_endpoint.collect_dir);
}

} // namespace cback::peer
