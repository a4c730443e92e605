#include <cback/extend/mysql.hpp>

#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/temp_dir.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/extend/dump_writer.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view k_extension = "mysql";

std::string quoted_option(std::string_view value) {
  std::string text = "\"";
  for (const char c : value) {
    switch (c) {
    case '\\':
      text += "\\\\";
      break;
    case '"':
      text += "\\\"";
      break;
    case '\n':
      text += "\\n";
      break;
    case '\r':
      text += "\\r";
      break;
    case '\t':
      text += "\\t";
      break;
    default:
      text += c;
    }
  }
  text += '"';
  return text;
}

// `error`: an errno value, errno itself when not given.
[[noreturn]] void fail_option_file(const fs::path& path, int error = errno) {
  throw Error(ExitCode::action, fmt::format("Extension [{}] cannot write its option file [{}]: {}",
                                            k_extension, path.string(), std::strerror(error)));
}

// A directory only we can enter (core::TempDir: mode 0700) holding the
// option file with the credentials; it and its content go when this goes,
// on every path out of the action.
class PrivateOptionFile {
public:
  explicit PrivateOptionFile(std::string_view text) : m_dir(make_dir()) {
    m_file = m_dir.path() / "mysqldump.cnf";
    const core::UniqueFd fd(
        ::open(m_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) {
      fail_option_file(m_file);
    }
    for (std::size_t done = 0; done < text.size();) {
      const ssize_t written = ::write(fd.get(), text.data() + done, text.size() - done);
      if (written < 0 && errno == EINTR) {
        continue;
      }
      if (written <= 0) {
        fail_option_file(m_file);
      }
      done += static_cast<std::size_t>(written);
    }
  }

  [[nodiscard]] const fs::path& path() const { return m_file; }

private:
  static core::TempDir make_dir() {
    const fs::path parent = fs::temp_directory_path();
    auto dir = core::TempDir::make(parent, "cback-mysql.");
    if (!dir) {
      fail_option_file(parent / "cback-mysql.XXXXXX", dir.error().value());
    }
    return std::move(*dir);
  }

  core::TempDir m_dir;
  fs::path m_file;
};

const config::MysqlConfig& mysql_section(const Context& context) {
  const auto& config = context.config;
  if (!config.options || !config.collect) {
    throw Error(ExitCode::action, "Cedar Backup configuration is not properly filled in.");
  }
  if (!config.mysql) {
    throw Error(ExitCode::action, "Extension [mysql] needs a [mysql] configuration section.");
  }
  return *config.mysql;
}

void dump_one(Context& context, const config::MysqlConfig& mysql,
              const std::optional<fs::path>& option_file,
              const std::optional<std::string>& database) {
  const fs::path collect_dir = context.config.collect->collect_dir;
  DumpRequest dump;
  dump.extension = k_extension;
  dump.item = database ? fmt::format("database [{}]", *database) : "all databases";
  dump.argv = mysqldump_argv(option_file, database);
  dump.target =
      collect_dir / (database ? fmt::format("mysqldump-{}.txt", *database) : "mysqldump.txt");
  dump.compress = mysql.compress_mode;
  const fs::path written = write_dump(context, dump);
  context.log.debug("MySQL dump of {} written to [{}].", dump.item, written.string());
}

} // namespace

std::vector<std::string> mysqldump_argv(const std::optional<fs::path>& defaults_file,
                                        const std::optional<std::string>& database) {
  std::vector<std::string> argv{"mysqldump"};
  // mysqldump insists that --defaults-extra-file comes first.
  if (defaults_file) {
    argv.push_back("--defaults-extra-file=" + defaults_file->string());
  }
  argv.emplace_back(database ? "--databases" : "--all-databases");
  for (const char* option : {"-all", "--flush-logs", "--opt"}) {
    argv.emplace_back(option);
  }
  if (database) {
    argv.push_back(*database);
  }
  return argv;
}

std::string mysql_option_file(const std::optional<std::string>& user,
                              const std::optional<std::string>& password) {
  std::string text = "# Written by cback for one run of mysqldump; removed after it.\n[client]\n";
  if (user) {
    text += "user=" + quoted_option(*user) + "\n";
  }
  if (password) {
    text += "password=" + quoted_option(*password) + "\n";
  }
  return text;
}

void run_mysql(Context& context) {
  context.log.debug("Executing MySQL extended action.");
  const config::MysqlConfig& mysql = mysql_section(context);
  // Without credentials in the configuration mysqldump finds its own
  // (~/.my.cnf of the user running cback), as the original relied on.
  std::optional<PrivateOptionFile> option_file;
  std::optional<fs::path> option_path;
  if (mysql.user || mysql.password) {
    option_path = option_file.emplace(mysql_option_file(mysql.user, mysql.password)).path();
  }
  if (mysql.all) {
    context.log.info("Backing up all databases.");
    dump_one(context, mysql, option_path, std::nullopt);
  } else {
    context.log.debug("Backing up {} individual databases.", mysql.databases.size());
    for (const auto& database : mysql.databases) {
      context.log.info("Backing up database [{}].", database);
      dump_one(context, mysql, option_path, database);
    }
  }
  context.log.info("Executed the MySQL extended action successfully.");
}

} // namespace cback::extend
