// The mysql and postgresql extensions through the real binary, against the
// real MariaDB server and PostgreSQL cluster that tools/servers.sh starts
// (CBACK_TEST_MYSQL_* and CBACK_TEST_PG_*). Every dump is restored and the
// restored data compared with the source.
//
// Tests of one server take a file lock for their whole run: an all-databases
// dump must not meet another test's half-dropped database.

#include "support/parts.hpp"
#include "support/pool.hpp"
#include "support/small_tmpfs.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

// ---- helpers ------------------------------------------------------------------

// Runs a program found on PATH (through env(1): the test runner execs
// paths only).
std::string output_of(std::vector<std::string> argv) {
  argv.insert(argv.begin(), "/usr/bin/env");
  const RunResult result = run(argv);
  INFO(fmt::format("{}\nstdout: {}\nstderr: {}", fmt::join(argv, " "), result.out, result.err));
  REQUIRE(result.exit_code == 0);
  return result.out;
}

std::string unique_name(std::string_view stem) {
  static std::atomic<int> counter{0};
  return fmt::format("cbt_{}_{}_{}", stem, ::getpid(), counter++);
}

// Serialises the tests that use one server, across test processes.
class ServerLock {
public:
  explicit ServerLock(const std::string& server) {
    const std::string path =
        fmt::format("/tmp/cback-test-{}.lock", std::hash<std::string>{}(server));
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    REQUIRE(m_fd >= 0);
    REQUIRE(::flock(m_fd, LOCK_EX) == 0);
  }
  ~ServerLock() { ::close(m_fd); }
  ServerLock(const ServerLock&) = delete;
  ServerLock& operator=(const ServerLock&) = delete;

private:
  int m_fd = -1;
};

struct Mode {
  const char* name; ///< compress_mode in the configuration
  const char* suffix;
  const char* tool; ///< decompresses with -dc; nullptr for none
};
constexpr Mode k_none{"none", "", nullptr};
constexpr Mode k_gzip{"gzip", ".gz", "gzip"};
constexpr Mode k_bzip2{"bzip2", ".bz2", "bzip2"};
constexpr Mode k_zstd{"zstd", ".zst", "zstd"};

/// A dump decompressed with the standard tool (as a restore would).
std::string plain_dump(const fs::path& file, const Mode& mode) {
  if (mode.tool == nullptr) {
    return read_file(file);
  }
  return output_of({mode.tool, "-dc", file.string()});
}

/// A TOML basic string: any password survives.
std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

/// A pool with one extension configured, its collect dir, its own TMPDIR.
struct DbPool : Pool {
  DbPool() {
    for (const char* sub : {"collect", "work", "tmp"}) {
      make_dir(sub);
    }
  }

  [[nodiscard]] fs::path collect() const { return dir / "collect"; }

  RunResult run_extension(const std::string& extension, const std::string& section,
                          std::vector<std::string> env = {}) {
    configure(toml_head(dir / "work") + extensions_table(extension, 99) +
              fmt::format("[collect]\ncollect_dir = '{}'\n\n{}\n", collect().string(), section));
    // env(1) sets the variables: the test runner appends to the
    // environment, and an appended HOME would not replace the first.
    Args argv{"/usr/bin/env", "TMPDIR=" + (dir / "tmp").string()};
    argv.insert(argv.end(), env.begin(), env.end());
    const Args command_line = command({"--output", extension});
    argv.insert(argv.end(), command_line.begin(), command_line.end());
    return run(argv);
  }

  [[nodiscard]] std::string log() const { return read_file(log_file()); }

  /// Neither a .partial file in the collect dir nor anything left in TMPDIR.
  [[nodiscard]] bool clean() const {
    for (const auto& entry : fs::directory_iterator(collect())) {
      if (entry.path().extension() == ".partial") {
        return false;
      }
    }
    return fs::is_empty(dir / "tmp");
  }
};

void check_failure(const DbPool& pool, const RunResult& result, const std::string& extension,
                   const std::string& item, const std::string& reason) {
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 6);
  const std::string message = fmt::format("Extension [{}] failed on {}", extension, item);
  // The screen gets the error (cback prints it on stdout, as the original).
  CHECK_THAT(result.out + result.err, Catch::Contains(message));
  CHECK_THAT(pool.log(), Catch::Contains(message) && Catch::Contains(reason));
  CHECK(fs::is_empty(pool.collect()));
  CHECK(pool.clean());
}

// ---- MariaDB ----------------------------------------------------------------------

struct Mysql {
  std::string socket;
  std::string user;
  std::string password;

  /// Runs SQL as the server's root (unix_socket authentication).
  std::string sql(const std::string& statements) const {
    return output_of({"mariadb", "--no-defaults", "--socket=" + socket, "-u", "root",
                      "--default-character-set=utf8mb4", "-N", "-B", "-e", statements});
  }

  /// ~/.my.cnf for the cback run: the way a site points its clients at a
  /// server that is not the system default.
  void write_my_cnf(const DbPool& pool, const std::string& socket_path) const {
    pool.dir.write("home/.my.cnf", fmt::format("[client]\nsocket={}\n", socket_path));
  }
  [[nodiscard]] std::vector<std::string> env(const DbPool& pool) const {
    write_my_cnf(pool, socket);
    return {"HOME=" + (pool.dir / "home").string()};
  }

  [[nodiscard]] std::string section(const std::string& mode, const std::string& databases,
                                    const std::optional<std::string>& password_override = {},
                                    const std::optional<std::string>& user_override = {}) const {
    return fmt::format("[mysql]\nuser = {}\npassword = {}\ncompress_mode = \"{}\"\n{}\n",
                       toml_string(user_override.value_or(user)),
                       toml_string(password_override.value_or(password)), mode, databases);
  }

  void create_database(const std::string& name, int rows) const {
    sql(fmt::format(
        "CREATE DATABASE `{0}`;"
        "CREATE TABLE `{0}`.items (id INT PRIMARY KEY, label VARCHAR(200) CHARACTER SET utf8mb4,"
        " price DECIMAL(10,2), note TEXT NULL);"
        "INSERT INTO `{0}`.items VALUES (1, 'plain', 1.50, NULL),"
        " (2, 'quote '' and \\\\ backslash', 2.00, 'x'), (3, 'ünïcödé ✓', 3.25, 'two\\nlines');"
        "INSERT INTO `{0}`.items SELECT seq, CONCAT('row ', seq, ' ', REPEAT('x', 80)), seq / 4,"
        " NULL FROM `{0}`.seq_4_to_{1};",
        name, rows));
  }

  [[nodiscard]] std::string snapshot(const std::string& name) const {
    return sql(fmt::format("SHOW CREATE TABLE `{0}`.items;"
                           "SELECT id, label, price, IFNULL(note, '<null>') FROM `{0}`.items "
                           "ORDER BY id;",
                           name));
  }

  void drop(const std::string& name) const {
    sql(fmt::format("DROP DATABASE IF EXISTS `{}`", name));
  }

  /// Loads a plain dump as a restore would (`mariadb < dump`).
  void restore(const DbPool& pool, const std::string& plain) const {
    const auto file = pool.dir.write("restore.sql", plain);
    sql("source " + file.string());
  }
};

std::optional<Mysql> mysql_server() {
  const auto socket = part_env("CBACK_TEST_MYSQL_SOCKET", "MariaDB server");
  const auto user = part_env("CBACK_TEST_MYSQL_USER", "MariaDB server");
  const auto password = part_env("CBACK_TEST_MYSQL_PASSWORD", "MariaDB server");
  if (!socket || !user || !password) {
    return std::nullopt;
  }
  return Mysql{*socket, *user, *password};
}

// Drops the databases a test made, whatever happened.
struct Dropper {
  std::function<void(const std::string&)> drop;
  std::vector<std::string> names;
  ~Dropper() {
    for (const auto& name : names) {
      try {
        drop(name);
      } catch (...) { // NOLINT(bugprone-empty-catch): best effort
      }
    }
  }
};

} // namespace

TEST_CASE("mysql dumps each listed database; every compress mode restores the same rows",
          "[extension][mysql]") {
  const auto server = mysql_server();
  CBACK_REQUIRE_PART(server);
  const ServerLock lock(server->socket);
  const Mode mode = GENERATE(k_none, k_gzip, k_bzip2, k_zstd);
  DbPool pool;
  Dropper dropper{[&](const std::string& name) { server->drop(name); },
                  {unique_name("shop"), unique_name("wiki")}};
  for (const auto& name : dropper.names) {
    server->create_database(name, 400);
  }
  const RunResult result = pool.run_extension(
      "mysql",
      server->section(mode.name, fmt::format("database = [\"{}\", \"{}\"]", dropper.names[0],
                                             dropper.names[1])),
      server->env(pool));
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);

  for (const auto& name : dropper.names) {
    const fs::path dump = pool.collect() / fmt::format("mysqldump-{}.txt{}", name, mode.suffix);
    REQUIRE(fs::exists(dump));
    const std::string before = server->snapshot(name);
    server->drop(name);
    server->restore(pool, plain_dump(dump, mode));
    CHECK(server->snapshot(name) == before);
  }
  CHECK(pool.clean());
  // The password is neither on mysqldump's command line (the logged argv is
  // the one ps would show) nor anywhere else in the log.
  const std::string log = pool.log();
  CHECK_THAT(log, Catch::Contains("Executing command ['mysqldump'] with args "
                                  "['--defaults-extra-file="));
  CHECK_THAT(log, !Catch::Contains(server->password));
}

TEST_CASE("mysql with all databases writes one dump that restores every database",
          "[extension][mysql]") {
  const auto server = mysql_server();
  CBACK_REQUIRE_PART(server);
  const ServerLock lock(server->socket);
  DbPool pool;
  Dropper dropper{[&](const std::string& name) { server->drop(name); },
                  {unique_name("all_a"), unique_name("all_b")}};
  for (const auto& name : dropper.names) {
    server->create_database(name, 50);
  }
  const RunResult result =
      pool.run_extension("mysql", server->section("bzip2", "all = true"), server->env(pool));
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  const fs::path dump = pool.collect() / "mysqldump.txt.bz2";
  REQUIRE(fs::exists(dump));
  CHECK(std::distance(fs::directory_iterator(pool.collect()), fs::directory_iterator{}) == 1);

  std::vector<std::string> before;
  for (const auto& name : dropper.names) {
    before.push_back(server->snapshot(name));
    server->drop(name);
  }
  server->restore(pool, plain_dump(dump, k_bzip2));
  for (std::size_t i = 0; i < dropper.names.size(); ++i) {
    CHECK(server->snapshot(dropper.names[i]) == before[i]);
  }
  CHECK(pool.clean());
}

TEST_CASE("mysql passes a password with quotes, spaces and # intact", "[extension][mysql]") {
  const auto server = mysql_server();
  CBACK_REQUIRE_PART(server);
  const ServerLock lock(server->socket);
  DbPool pool;
  const std::string user = unique_name("user");
  const std::string password = "p#a\"ss w\\ord'x";
  Dropper dropper{[&](const std::string& name) { server->drop(name); }, {unique_name("pw")}};
  server->create_database(dropper.names[0], 10);
  server->sql(fmt::format("CREATE USER '{0}'@'localhost' IDENTIFIED BY 'p#a\"ss w\\\\ord''x';"
                          "GRANT ALL PRIVILEGES ON *.* TO '{0}'@'localhost';",
                          user));
  const RunResult result = pool.run_extension(
      "mysql",
      server->section("none", fmt::format("database = [\"{}\"]", dropper.names[0]), password, user),
      server->env(pool));
  server->sql(fmt::format("DROP USER '{}'@'localhost'", user));
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 0);
  CHECK(fs::exists(pool.collect() / fmt::format("mysqldump-{}.txt", dropper.names[0])));
  CHECK_THAT(pool.log(), !Catch::Contains("w\\ord"));
  CHECK(pool.clean());
}

TEST_CASE("mysql failures name the extension and the database and leave nothing behind",
          "[extension][mysql]") {
  const auto server = mysql_server();
  CBACK_REQUIRE_PART(server);
  const ServerLock lock(server->socket);
  DbPool pool;
  Dropper dropper{[&](const std::string& name) { server->drop(name); }, {unique_name("fail")}};
  server->create_database(dropper.names[0], 10);
  const std::string item = fmt::format("database [{}]", dropper.names[0]);
  const std::string databases = fmt::format("database = [\"{}\"]", dropper.names[0]);

  SECTION("wrong credentials") {
    const std::string wrong = "not-the-" + server->password;
    const auto result =
        pool.run_extension("mysql", server->section("gzip", databases, wrong), server->env(pool));
    check_failure(pool, result, "mysql", item, "Access denied");
    CHECK_THAT(pool.log(), !Catch::Contains(wrong));
  }
  SECTION("a missing database") {
    const std::string missing = unique_name("missing");
    const auto result = pool.run_extension(
        "mysql", server->section("gzip", fmt::format("database = [\"{}\"]", missing)),
        server->env(pool));
    check_failure(pool, result, "mysql", fmt::format("database [{}]", missing), "Unknown database");
  }
  SECTION("an unreachable server") {
    server->write_my_cnf(pool, (pool.dir / "no-server.sock").string());
    const auto result = pool.run_extension("mysql", server->section("gzip", databases),
                                           {"HOME=" + (pool.dir / "home").string()});
    check_failure(pool, result, "mysql", item, "Can't connect");
  }
}

TEST_CASE("mysql on a full disk fails naming the database and leaves no partial dump",
          "[extension][mysql]") {
  const auto server = mysql_server();
  CBACK_REQUIRE_PART(server);
  DbPool pool;
  const cback::test::SmallTmpfs small(pool.collect(), "512k", "mode=0755");
  CBACK_REQUIRE_PART(small.mounted());
  const ServerLock lock(server->socket);
  Dropper dropper{[&](const std::string& name) { server->drop(name); }, {unique_name("big")}};
  server->create_database(dropper.names[0], 20000); // about 2 MB of dump
  const auto result = pool.run_extension(
      "mysql", server->section("none", fmt::format("database = [\"{}\"]", dropper.names[0])),
      server->env(pool));
  check_failure(pool, result, "mysql", fmt::format("database [{}]", dropper.names[0]),
                "No space left on device");
}

// ---- PostgreSQL -------------------------------------------------------------------

namespace {

struct Postgres {
  std::string host; ///< the socket directory
  std::string port;
  std::string user;

  std::string sql(const std::string& database, const std::string& statements) const {
    return output_of({"psql", "-X", "-q", "-A", "-t", "-h", host, "-p", port, "-U", user, "-d",
                      database, "-v", "ON_ERROR_STOP=1", "-c", statements});
  }

  [[nodiscard]] std::vector<std::string> env() const {
    return {"PGHOST=" + host, "PGPORT=" + port};
  }

  [[nodiscard]] std::string section(const std::string& mode, const std::string& databases,
                                    const std::optional<std::string>& user_override = {}) const {
    return fmt::format("[postgresql]\nuser = {}\ncompress_mode = \"{}\"\n{}\n",
                       toml_string(user_override.value_or(user)), mode, databases);
  }

  void create_database(const std::string& name, int rows) const {
    sql("postgres", fmt::format("CREATE DATABASE \"{}\"", name));
    sql(name,
        fmt::format("CREATE TABLE items (id int PRIMARY KEY, label text, price numeric(10,2),"
                    " note text);"
                    "INSERT INTO items VALUES (1, 'plain', 1.50, NULL),"
                    " (2, 'quote '' and \\ backslash', 2.00, 'x'),"
                    " (3, 'ünïcödé ✓', 3.25, E'two\\nlines');"
                    "INSERT INTO items SELECT n, 'row ' || n || ' ' || repeat('x', 80), n / 4.0,"
                    " NULL FROM generate_series(4, {}) AS n;",
                    rows));
  }

  [[nodiscard]] std::string snapshot(const std::string& name) const {
    return sql(name, "SELECT id, label, price, coalesce(note, '<null>') FROM items ORDER BY id");
  }

  /// pg_dump of a database without its per-run \restrict key lines.
  [[nodiscard]] std::string schema_and_data(const std::string& name) const {
    const std::string dump =
        output_of({"pg_dump", "--no-password", "-h", host, "-p", port, "-U", user, name});
    std::string kept;
    std::size_t start = 0;
    while (start < dump.size()) {
      const std::size_t end = std::min(dump.find('\n', start), dump.size());
      const std::string_view line(dump.data() + start, end - start);
      if (!line.starts_with("\\restrict") && !line.starts_with("\\unrestrict")) {
        kept.append(line).push_back('\n');
      }
      start = end + 1;
    }
    return kept;
  }

  void drop(const std::string& name) const {
    sql("postgres", fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", name));
  }

  /// Loads a plain dump into `database` with psql -f, as a restore would.
  void restore(const DbPool& pool, const std::string& database, const std::string& plain,
               bool stop_on_error) const {
    const auto file = pool.dir.write("restore.sql", plain);
    output_of({"psql", "-X", "-q", "-h", host, "-p", port, "-U", user, "-d", database, "-v",
               stop_on_error ? "ON_ERROR_STOP=1" : "ON_ERROR_STOP=0", "-f", file.string()});
  }
};

std::optional<Postgres> postgres_server() {
  const auto host = part_env("CBACK_TEST_PG_HOST", "PostgreSQL cluster");
  const auto port = part_env("CBACK_TEST_PG_PORT", "PostgreSQL cluster");
  const auto user = part_env("CBACK_TEST_PG_USER", "PostgreSQL cluster");
  if (!host || !port || !user) {
    return std::nullopt;
  }
  return Postgres{*host, *port, *user};
}

} // namespace

TEST_CASE("postgresql dumps each listed database; every compress mode restores the same data",
          "[extension][postgresql]") {
  const auto server = postgres_server();
  CBACK_REQUIRE_PART(server);
  const ServerLock lock(server->host);
  const Mode mode = GENERATE(k_none, k_gzip, k_bzip2, k_zstd);
  DbPool pool;
  Dropper dropper{[&](const std::string& name) { server->drop(name); },
                  {unique_name("ledger"), unique_name("wiki"), unique_name("restored")}};
  server->create_database(dropper.names[0], 400);
  server->create_database(dropper.names[1], 40);
  const RunResult result = pool.run_extension(
      "postgresql",
      server->section(mode.name, fmt::format("database = [\"{}\", \"{}\"]", dropper.names[0],
                                             dropper.names[1])),
      server->env());
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);

  for (const auto& name : {dropper.names[0], dropper.names[1]}) {
    const fs::path dump =
        pool.collect() / fmt::format("postgresqldump-{}.txt{}", name, mode.suffix);
    REQUIRE(fs::exists(dump));
    const std::string& fresh = dropper.names[2];
    server->drop(fresh);
    server->sql("postgres", fmt::format("CREATE DATABASE \"{}\"", fresh));
    server->restore(pool, fresh, plain_dump(dump, mode), true);
    CHECK(server->snapshot(fresh) == server->snapshot(name));
    CHECK(server->schema_and_data(fresh) == server->schema_and_data(name));
  }
  CHECK(pool.clean());
  CHECK_THAT(pool.log(), Catch::Contains("Executing command ['pg_dump']"));
}

TEST_CASE("postgresql with all databases writes one pg_dumpall dump that restores them",
          "[extension][postgresql]") {
  const auto server = postgres_server();
  CBACK_REQUIRE_PART(server);
  const ServerLock lock(server->host);
  DbPool pool;
  Dropper dropper{[&](const std::string& name) { server->drop(name); },
                  {unique_name("all_a"), unique_name("all_b")}};
  for (const auto& name : dropper.names) {
    server->create_database(name, 50);
  }
  const RunResult result =
      pool.run_extension("postgresql", server->section("gzip", "all = true"), server->env());
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  const fs::path dump = pool.collect() / "postgresqldump.txt.gz";
  REQUIRE(fs::exists(dump));
  CHECK(std::distance(fs::directory_iterator(pool.collect()), fs::directory_iterator{}) == 1);
  CHECK_THAT(pool.log(), Catch::Contains("Executing command ['pg_dumpall']"));

  std::vector<std::string> before;
  for (const auto& name : dropper.names) {
    before.push_back(server->snapshot(name));
    server->drop(name);
  }
  // The cluster's roles and other databases still exist: psql reports those
  // statements' errors and goes on, as a restore over a live cluster does.
  server->restore(pool, "postgres", plain_dump(dump, k_gzip), false);
  for (std::size_t i = 0; i < dropper.names.size(); ++i) {
    CHECK(server->snapshot(dropper.names[i]) == before[i]);
  }
  CHECK(pool.clean());
}

TEST_CASE("postgresql failures name the extension and the database and leave nothing behind",
          "[extension][postgresql]") {
  const auto server = postgres_server();
  CBACK_REQUIRE_PART(server);
  const ServerLock lock(server->host);
  DbPool pool;
  Dropper dropper{[&](const std::string& name) { server->drop(name); }, {unique_name("fail")}};
  server->create_database(dropper.names[0], 10);
  const std::string item = fmt::format("database [{}]", dropper.names[0]);
  const std::string databases = fmt::format("database = [\"{}\"]", dropper.names[0]);

  SECTION("an unknown user") {
    const auto result = pool.run_extension(
        "postgresql", server->section("zstd", databases, "cbt_no_such_role"), server->env());
    check_failure(pool, result, "postgresql", item, "role \"cbt_no_such_role\" does not exist");
  }
  SECTION("a missing database") {
    const std::string missing = unique_name("missing");
    const auto result = pool.run_extension(
        "postgresql", server->section("zstd", fmt::format("database = [\"{}\"]", missing)),
        server->env());
    check_failure(pool, result, "postgresql", fmt::format("database [{}]", missing),
                  "does not exist");
  }
  SECTION("an unreachable server") {
    const auto result = pool.run_extension(
        "postgresql", server->section("zstd", databases),
        {"PGHOST=" + (pool.dir / "no-server").string(), "PGPORT=" + server->port});
    check_failure(pool, result, "postgresql", item, "No such file or directory");
  }
}

TEST_CASE("postgresql on a full disk fails naming the database and leaves no partial dump",
          "[extension][postgresql]") {
  const auto server = postgres_server();
  CBACK_REQUIRE_PART(server);
  DbPool pool;
  const cback::test::SmallTmpfs small(pool.collect(), "512k", "mode=0755");
  CBACK_REQUIRE_PART(small.mounted());
  const ServerLock lock(server->host);
  Dropper dropper{[&](const std::string& name) { server->drop(name); }, {unique_name("big")}};
  server->create_database(dropper.names[0], 20000);
  const auto result = pool.run_extension(
      "postgresql", server->section("none", fmt::format("database = [\"{}\"]", dropper.names[0])),
      server->env());
  check_failure(pool, result, "postgresql", fmt::format("database [{}]", dropper.names[0]),
                "No space left on device");
}

} // namespace cback::test
