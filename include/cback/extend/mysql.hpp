#pragma once

// The mysql extension (docs/compatibility.md, "Extensions"): full dumps of all MySQL/MariaDB
// databases, or of the listed ones, with mysqldump, into the collect
// directory, compressed while they stream.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::extend {

/// With all = true one dump of every database, COLLECT_DIR/mysqldump.txt;
/// otherwise one dump per listed database, COLLECT_DIR/mysqldump-DB.txt;
/// each with the compress_mode suffix (.gz, .bz2, .zst). Always a full
/// dump, on every run (no collect mode). A configured user or password goes
/// into a 0600 option file in a private temporary directory, passed as
/// mysqldump's first argument (--defaults-extra-file) and removed after the
/// dumps: never on a command line, never in the log. Needs [options],
/// [collect] and [mysql]. Stops at the first failure: Error(action)
/// "Extension [mysql] failed on database [DB]: ...".
void run_mysql(Context& context);

/// The mysqldump command line, as the original's plus the option file:
/// mysqldump [--defaults-extra-file=F] --all-databases|--databases -all
/// --flush-logs --opt [DB]. No database means all of them.
std::vector<std::string> mysqldump_argv(const std::optional<std::filesystem::path>& defaults_file,
                                        const std::optional<std::string>& database);

/// The text of a MySQL option file giving mysqldump the user and/or
/// password: a [client] group (read by every client, mysqldump included)
/// whose values are double-quoted with \\, \", \n, \r, \t escaped, so that
/// any character, '#' included, survives.
std::string mysql_option_file(const std::optional<std::string>& user,
                              const std::optional<std::string>& password);

} // namespace cback::extend
