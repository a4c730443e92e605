#include <cback/extend/postgresql.hpp>

#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/extend/dump_writer.hpp>

#include <fmt/format.h>

#include <filesystem>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view k_extension = "postgresql";

const config::PostgresqlConfig& postgresql_section(const Context& context) {
  const auto& config = context.config;
  if (!config.options || !config.collect) {
    throw Error(ExitCode::action, "Cedar Backup configuration is not properly filled in.");
  }
  if (!config.postgresql) {
    throw Error(ExitCode::action,
                "Extension [postgresql] needs a [postgresql] configuration section.");
  }
  return *config.postgresql;
}

void dump_one(Context& context, const config::PostgresqlConfig& postgresql,
              const std::optional<std::string>& database) {
  const fs::path collect_dir = context.config.collect->collect_dir;
  DumpRequest dump;
  dump.extension = k_extension;
  dump.item = database ? fmt::format("database [{}]", *database) : "all databases";
  dump.argv = postgresql_dump_argv(postgresql.user, database);
  dump.target = collect_dir /
                (database ? fmt::format("postgresqldump-{}.txt", *database) : "postgresqldump.txt");
  dump.compress = postgresql.compress_mode;
  const fs::path written = write_dump(context, dump);
  context.log.debug("PostgreSQL dump of {} written to [{}].", dump.item, written.string());
}

} // namespace

std::vector<std::string> postgresql_dump_argv(const std::optional<std::string>& user,
                                              const std::optional<std::string>& database) {
  std::vector<std::string> argv{database ? "pg_dump" : "pg_dumpall", "--no-password"};
  if (user) {
    argv.emplace_back("-U");
    argv.push_back(*user);
  }
  if (database) {
    argv.push_back(*database);
  }
  return argv;
}

void run_postgresql(Context& context) {
  context.log.debug("Executing PostgreSQL extended action.");
  const config::PostgresqlConfig& postgresql = postgresql_section(context);
  // As the original: the whole cluster when all is set, then each listed
  // database (the configuration rules allow only one of the two).
  if (postgresql.all) {
    context.log.info("Backing up all databases.");
    dump_one(context, postgresql, std::nullopt);
  }
  if (!postgresql.databases.empty()) {
    context.log.debug("Backing up {} individual databases.", postgresql.databases.size());
    for (const auto& database : postgresql.databases) {
      context.log.info("Backing up database [{}].", database);
      dump_one(context, postgresql, database);
    }
  }
  context.log.info("Executed the PostgreSQL extended action successfully.");
}

} // namespace cback::extend
