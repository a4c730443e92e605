#include <cback/peer/command_source.hpp>

#include <cback/core/error.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

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

CommandSource::CommandSource(CommandEndpoint endpoint, core::CommandRunner& runner)
    : m_endpoint(std::move(endpoint)), m_runner(runner) {}

CommandSource::~CommandSource() {
  if (!m_scratch.empty()) {
    std::error_code ignored;
    fs::remove_all(m_scratch, ignored);
  }
}

void CommandSource::open() {
  auto pattern = (m_endpoint.working_dir / "cback-stage-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw Error(ExitCode::action,
                fmt::format("{}: unable to make a scratch directory in [{}]: {}", describe(),
                            m_endpoint.working_dir.string(), std::strerror(errno)));
  }
  m_scratch = pattern;
  fs::create_directory(m_scratch / "files");
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
  const auto target = m_scratch / k_collect_indicator;
  const auto result = copy(remote_path(k_collect_indicator), target.string());
  std::error_code ignored;
  const bool ready = result.exit_status == 0 && fs::exists(target, ignored);
  fs::remove(target, ignored);
  return ready;
}

LocalSource& CommandSource::fetched() {
  if (!m_local) {
    const auto result = copy(remote_path("*"), (m_scratch / "files").string());
    if (result.exit_status != 0) {
      std::string tail;
      for (const auto& line : result.tail) {
        tail += " " + line;
      }
      throw Error(ExitCode::action, fmt::format("{}: the copy command failed with exit status "
                                                "{}:{}",
                                                describe(), result.exit_status, tail));
    }
    m_local = std::make_unique<LocalSource>(m_endpoint.peer_name, m_scratch / "files");
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
  const auto indicator = m_scratch / k_stage_indicator;
  { const std::ofstream created(indicator); }
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
