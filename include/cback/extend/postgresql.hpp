#pragma once

// The postgresql extension (docs/compatibility.md, "Extensions"): full dumps of all PostgreSQL
// databases (pg_dumpall) or of the listed ones (pg_dump), into the collect
// directory, compressed while they stream.

#include <optional>
#include <string>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::extend {

/// With all = true one dump of the whole cluster, COLLECT_DIR/
/// postgresqldump.txt (pg_dumpall); with listed databases one dump each,
/// COLLECT_DIR/postgresqldump-DB.txt (pg_dump); each with the compress_mode
/// suffix (.gz, .bz2, .zst). Always a full dump, on every run. Connection
/// and authentication are libpq's own: the server's pg_hba.conf, ~/.pgpass
/// and the PGHOST, PGPORT, PGPASSFILE... environment of the cback run are
/// honoured. Needs [options], [collect] and [postgresql]. Stops at the first
/// failure: Error(action) "Extension [postgresql] failed on database [DB]: ...".
void run_postgresql(Context& context);

/// pg_dumpall --no-password [-U USER] for all databases, pg_dump
/// --no-password [-U USER] DB for one. --no-password (new) keeps a dump
/// that needs a password from waiting on a prompt: it fails instead.
std::vector<std::string> postgresql_dump_argv(const std::optional<std::string>& user,
                                              const std::optional<std::string>& database);

} // namespace cback::extend
