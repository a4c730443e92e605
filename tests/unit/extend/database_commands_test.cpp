#include <cback/extend/mysql.hpp>
#include <cback/extend/postgresql.hpp>

#include <catch2/catch.hpp>

namespace cback::extend {
namespace {

using Strings = std::vector<std::string>;

TEST_CASE("mysqldump gets the option file as its first argument and the original's options",
          "[extend][mysql]") {
  CHECK(mysqldump_argv(std::nullopt, std::nullopt) ==
        Strings{"mysqldump", "--all-databases", "-all", "--flush-logs", "--opt"});
  CHECK(mysqldump_argv(std::filesystem::path("/tmp/x/my.cnf"), std::string("shop")) ==
        Strings{"mysqldump", "--defaults-extra-file=/tmp/x/my.cnf", "--databases", "-all",
                "--flush-logs", "--opt", "shop"});
}

TEST_CASE("The MySQL option file quotes and escapes what a password may hold", "[extend][mysql]") {
  CHECK(mysql_option_file(std::string("backup"), std::nullopt)
            .ends_with("[client]\nuser=\"backup\"\n"));
  CHECK(mysql_option_file(std::nullopt, std::string("a#b\"c\\d e\nf"))
            .ends_with("[client]\npassword=\"a#b\\\"c\\\\d e\\nf\"\n"));
}

TEST_CASE("pg_dump and pg_dumpall never prompt and take the configured user",
          "[extend][postgresql]") {
  CHECK(postgresql_dump_argv(std::nullopt, std::nullopt) == Strings{"pg_dumpall", "--no-password"});
  CHECK(postgresql_dump_argv(std::string("postgres"), std::string("ledger")) ==
        Strings{"pg_dump", "--no-password", "-U", "postgres", "ledger"});
}

} // namespace
} // namespace cback::extend
