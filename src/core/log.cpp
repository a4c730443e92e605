#include <cback/core/log.hpp>

#include <cback/core/error.hpp>
#include <cback/core/ownership.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/unique_fd.hpp>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::core {
namespace {

constexpr std::string_view k_output_logger = "output";
// %* and %& are the custom flags below: the original's asctime with
// "%Y-%m-%dT%H:%M:%S %Z" and its "%(levelname)-7s".
constexpr const char* k_file_pattern = "%* --> [%&] %v";

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
  case LogLevel::debug:
    return spdlog::level::debug;
  case LogLevel::info:
    return spdlog::level::info;
  case LogLevel::warning:
    return spdlog::level::warn;
  case LogLevel::error:
    return spdlog::level::err;
  case LogLevel::critical:
    break;
  }
  return spdlog::level::critical;
}

// Local time with the zone's abbreviation (%Z), which spdlog has no flag for.
class LocalTimestampFlag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*unused*/,
              spdlog::memory_buf_t& dest) override {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(msg.time);
    std::tm local{};
    ::localtime_r(&seconds, &local);
    std::array<char, 64> text{};
    const std::size_t size =
        std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S %Z", &local);
    dest.append(text.data(), text.data() + size);
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LocalTimestampFlag>();
  }
};

// Python's level names, upper case, left-aligned in 7 columns.
class PaddedLevelFlag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*unused*/,
              spdlog::memory_buf_t& dest) override {
    fmt::format_to(std::back_inserter(dest), "{:<7}", level_name(msg.level));
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PaddedLevelFlag>();
  }

private:
  static std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "DEBUG";
    case spdlog::level::info:
      return "INFO";
    case spdlog::level::warn:
      return "WARNING";
    case spdlog::level::err:
      return "ERROR";
    default:
      return "CRITICAL";
    }
  }
};

// The logfile holds two kinds of lines. They share one sink (one fd, one
// mutex) so that a command's output lands exactly where it happened among
// the flow lines; the formatter picks the layout by logger.
class LogfileFormatter final : public spdlog::formatter {
public:
  LogfileFormatter() {
    m_flow.add_flag<LocalTimestampFlag>('*');
    m_flow.add_flag<PaddedLevelFlag>('&');
    m_flow.set_pattern(k_file_pattern);
  }
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    if (msg.logger_name == spdlog::string_view_t(k_output_logger.data(), k_output_logger.size())) {
      dest.append(msg.payload.begin(), msg.payload.end());
      dest.push_back('\n');
    } else {
      m_flow.format(msg, dest);
    }
  }
  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LogfileFormatter>();
  }

private:
  spdlog::pattern_formatter m_flow{spdlog::pattern_time_type::local, "\n"};
};

// Appends each formatted line with one write() on an O_APPEND fd: no stdio
// buffer, so the file is current after every line (as Python's FileHandler
// flushes) and a crash loses nothing that was logged.
class FdSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  explicit FdSink(UniqueFd fd) : m_fd(std::move(fd)) {}

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    const char* data = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      const ssize_t written = ::write(m_fd.get(), data, left);
      if (written < 0 && errno == EINTR) {
        continue;
      }
      if (written <= 0) {
        throw spdlog::spdlog_ex("cannot write to the logfile", errno);
      }
      data += written;
      left -= static_cast<std::size_t>(written);
    }
  }
  void flush_() override {}

private:
  UniqueFd m_fd;
};

[[noreturn]] void throw_logging_error(int error_number, const std::filesystem::path& path) {
  throw Error(ExitCode::logging,
              fmt::format("Error setting up logging: [Errno {}] {}: '{}'", error_number,
                          std::strerror(error_number), path.string()));
}

// Like the original: a new logfile gets exactly `mode` (whatever the umask)
// and the owner from -o; an existing file is opened as it is. A chown that
// fails (an unknown user or group, say) leaves the file to the current user
// and is reported, once the log is set up, by the message stored in
// `ownership_problem`.
UniqueFd open_logfile(const LogSettings& settings, std::optional<std::string>& ownership_problem) {
  const char* path = settings.logfile.c_str();
  UniqueFd fd(::open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, settings.mode));
  if (fd) {
    (void)::fchmod(fd.get(), settings.mode);
    try {
      const Ownership owner = Ownership::lookup(settings.owner_user, settings.owner_group);
      if (::fchown(fd.get(), owner.uid(), owner.gid()) != 0 && ::geteuid() == 0) {
        ownership_problem = std::strerror(errno);
      }
    } catch (const Error& error) {
      ownership_problem = error.what();
    }
    return fd;
  }
  if (errno == EEXIST) {
    fd.reset(::open(path, O_WRONLY | O_APPEND | O_CLOEXEC));
  }
  if (!fd) {
    throw_logging_error(errno, settings.logfile);
  }
  return fd;
}

// The screen: a test's stream or stdout, or, while a progress board shares
// the screen, the board (which clears its lines, prints, and redraws).
class ScreenSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  explicit ScreenSink(std::ostream* stream) : m_stream(stream) {}
  void share(ProgressBoard* board) noexcept { m_board.store(board); }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    std::string_view text(line.data(), line.size());
    if (ProgressBoard* board = m_board.load(); board != nullptr) {
      while (!text.empty() && text.back() == '\n') {
        text.remove_suffix(1);
      }
      board->print(text);
    } else if (m_stream != nullptr) {
      m_stream->write(text.data(), static_cast<std::streamsize>(text.size()));
      m_stream->flush();
    } else {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    }
  }
  void flush_() override {}

private:
  std::ostream* m_stream;
  std::atomic<ProgressBoard*> m_board{nullptr};
};

} // namespace

LogLevels levels_for(const LogSettings& settings) noexcept {
  LogLevels levels;
  levels.file = settings.debug ? LogLevel::debug : LogLevel::info;
  levels.output = settings.debug || settings.output;
  if (settings.quiet) {
    levels.screen_off = true;
  } else if (settings.verbose) {
    levels.screen = settings.debug ? LogLevel::debug : LogLevel::info;
  } else {
    levels.screen = LogLevel::error;
  }
  return levels;
}

struct Logger::Impl {
  std::shared_ptr<spdlog::logger> flow;
  std::shared_ptr<spdlog::logger> output; ///< null when the output log is off
  std::shared_ptr<ScreenSink> screen;     ///< null before configure()
  LogLevel lowest = LogLevel::error;      ///< lowest level that reaches a sink
};

Logger::Logger() : m_impl(std::make_unique<Impl>()) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_pattern("%v");
  sink->set_level(spdlog::level::err);
  m_impl->flow = std::make_shared<spdlog::logger>("flow", std::move(sink));
  m_impl->flow->set_level(spdlog::level::err);
}

Logger::~Logger() = default;

void Logger::configure(const LogSettings& settings) {
  const LogLevels levels = levels_for(settings);
  ::tzset();

  std::optional<std::string> ownership_problem;
  auto file = std::make_shared<FdSink>(open_logfile(settings, ownership_problem));
  file->set_formatter(std::make_unique<LogfileFormatter>());
  file->set_level(to_spdlog(levels.file));

  auto screen = std::make_shared<ScreenSink>(settings.screen);
  screen->set_pattern("%v");
  m_impl->screen = screen;
  screen->set_level(levels.screen_off ? spdlog::level::off : to_spdlog(levels.screen));

  auto flow = std::make_shared<spdlog::logger>(
      "flow", spdlog::sinks_init_list{std::move(file), std::move(screen)});
  flow->set_level(spdlog::level::debug);

  std::shared_ptr<spdlog::logger> output;
  if (levels.output) {
    output = std::make_shared<spdlog::logger>(std::string(k_output_logger), flow->sinks().front());
    output->set_level(spdlog::level::info);
  }

  LogLevel lowest = levels.file;
  if (!levels.screen_off && levels.screen < lowest) {
    lowest = levels.screen;
  }
  m_impl->flow = std::move(flow);
  m_impl->output = std::move(output);
  m_impl->lowest = lowest;
  if (ownership_problem) {
    error("Error changing ownership of [{}] to {}:{}: {}", settings.logfile.string(),
          settings.owner_user, settings.owner_group, *ownership_problem);
  }
}

void Logger::log(LogLevel level, std::string_view message) {
  m_impl->flow->log(spdlog::source_loc{}, to_spdlog(level),
                    spdlog::string_view_t(message.data(), message.size()));
}

void Logger::output(std::string_view line) {
  if (m_impl->output) {
    m_impl->output->log(spdlog::source_loc{}, spdlog::level::info,
                        spdlog::string_view_t(line.data(), line.size()));
  }
}

bool Logger::output_enabled() const noexcept {
  return m_impl->output != nullptr;
}

bool Logger::debug_enabled() const noexcept {
  return enabled(LogLevel::debug);
}

bool Logger::enabled(LogLevel level) const noexcept {
  return level >= m_impl->lowest;
}

void Logger::share_screen(ProgressBoard* board) noexcept {
  if (m_impl->screen) {
    m_impl->screen->share(board);
  }
}

void Logger::flush() {
  m_impl->flow->flush();
}

} // namespace cback::core
