#include <cback/config/outputs.hpp>
#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/extend/dump_writer.hpp>

#include "support/parts.hpp"
#include "support/run_fixture.hpp"
#include "support/small_tmpfs.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;
using config::CompressMode;

core::LogSettings output_settings() {
  core::LogSettings settings;
  settings.output = true;
  return settings;
}

struct Fixture : test::RunFixture {
  Fixture() : RunFixture(output_settings()) {}

  DumpRequest request(std::vector<std::string> argv, CompressMode mode = CompressMode::none) {
    DumpRequest dump;
    dump.extension = "testext";
    dump.item = "item [one]";
    dump.argv = std::move(argv);
    dump.target = tmp / "dump.txt";
    dump.compress = mode;
    return dump;
  }
};

// What `tool -dc` makes of a compressed file: the standard tools must read
// our output, since a restore uses them.
std::string decompressed(const fs::path& file, CompressMode mode, const fs::path& out) {
  const char* tool = mode == CompressMode::gzip    ? "gzip"
                     : mode == CompressMode::bzip2 ? "bzip2"
                                                   : "zstd";
  const std::string command =
      std::string(tool) + " -dc '" + file.string() + "' > '" + out.string() + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  return test::read_file(out);
}

std::string expected_numbers(int last) {
  std::string text;
  for (int i = 1; i <= last; ++i) {
    text += std::to_string(i) + "\n";
  }
  return text;
}

bool no_partials(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".partial") {
      return false;
    }
  }
  return true;
}

TEST_CASE("A dump in every compress mode holds exactly the command's output", "[extend][dump]") {
  Fixture f;
  const auto [mode, suffix] = GENERATE(table<CompressMode, std::string>({
      {CompressMode::none, ""},
      {CompressMode::gzip, ".gz"},
      {CompressMode::bzip2, ".bz2"},
      {CompressMode::zstd, ".zst"},
  }));
  const fs::path written = write_dump(f.context, f.request({"seq", "1", "200000"}, mode));
  CHECK(written == f.tmp / ("dump.txt" + suffix));
  CHECK(compress_suffix(mode) == suffix);
  const std::string content = mode == CompressMode::none
                                  ? test::read_file(written)
                                  : decompressed(written, mode, f.tmp / "plain");
  CHECK(content == expected_numbers(200000));
  if (mode != CompressMode::none) {
    CHECK(fs::file_size(written) < content.size() / 2);
  }
  CHECK(no_partials(f.tmp.path()));
}

TEST_CASE("An empty output gives an empty but valid dump", "[extend][dump]") {
  Fixture f;
  const auto mode =
      GENERATE(CompressMode::none, CompressMode::gzip, CompressMode::bzip2, CompressMode::zstd);
  const fs::path written = write_dump(f.context, f.request({"true"}, mode));
  const std::string content = mode == CompressMode::none
                                  ? test::read_file(written)
                                  : decompressed(written, mode, f.tmp / "plain");
  CHECK(content.empty());
}

TEST_CASE("A failing command leaves neither a dump nor a partial file and says why",
          "[extend][dump]") {
  Fixture f;
  const auto mode =
      GENERATE(CompressMode::none, CompressMode::gzip, CompressMode::bzip2, CompressMode::zstd);
  f.tmp.write("dump.txt" + std::string(compress_suffix(mode)), "yesterday's dump");
  auto dump = f.request({"sh", "-c", "echo some output; echo access denied >&2; exit 3"}, mode);
  try {
    write_dump(f.context, dump);
    FAIL("no error");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::action);
    const std::string message = error.what();
    CHECK_THAT(message, Catch::Contains("Extension [testext] failed on item [one]"));
    CHECK_THAT(message, Catch::Contains("exited with status 3"));
    CHECK_THAT(message, Catch::Contains("access denied"));
  }
  CHECK(test::read_file(f.tmp / ("dump.txt" + std::string(compress_suffix(mode)))) ==
        "yesterday's dump");
  CHECK(no_partials(f.tmp.path()));
}

TEST_CASE("A program that cannot be run is an error naming the extension", "[extend][dump]") {
  Fixture f;
  auto dump = f.request({"/nonexistent/cback-no-such-dumper"});
  CHECK_THROWS_WITH(write_dump(f.context, dump),
                    Catch::Contains("Extension [testext] failed on item [one]") &&
                        Catch::Contains("status 127"));
  CHECK_FALSE(fs::exists(f.tmp / "dump.txt"));
  CHECK(no_partials(f.tmp.path()));
}

TEST_CASE("With the exit status ignored a failing command's output is kept", "[extend][dump]") {
  Fixture f;
  auto dump = f.request({"sh", "-c", "echo listing; exit 1"});
  dump.exit_status = ExitStatus::ignored;
  CHECK(test::read_file(write_dump(f.context, dump)) == "listing\n");
}

TEST_CASE("Stderr goes to the output log, never into the dump", "[extend][dump]") {
  // The quotes keep the logged command line from containing the text.
  Fixture f;
  auto dump = f.request({"sh", "-c", "echo data; echo a-warn''ing-line >&2"});
  CHECK(test::read_file(write_dump(f.context, dump)) == "data\n");
  CHECK_THAT(test::read_file(f.tmp / "cback.log"), Catch::Contains("a-warning-line"));

  dump.stderr_mode = core::Stderr::discard;
  dump.argv = {"sh", "-c", "echo data; echo discard''ed-line >&2"};
  CHECK(test::read_file(write_dump(f.context, dump)) == "data\n");
  CHECK_THAT(test::read_file(f.tmp / "cback.log"), !Catch::Contains("discarded-line"));
}

TEST_CASE("A stop request interrupts the dump and removes the partial file", "[extend][dump]") {
  Fixture f;
  f.stop.request();
  auto dump = f.request({"sh", "-c", "seq 1 10; exec sleep 30"}, CompressMode::zstd);
  try {
    write_dump(f.context, dump);
    FAIL("no error");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::interrupted);
  }
  CHECK_FALSE(fs::exists(f.tmp / "dump.txt.zst"));
  CHECK(no_partials(f.tmp.path()));
}

TEST_CASE("A full disk fails the dump with the reason and leaves no partial file",
          "[extend][dump]") {
  Fixture f;
  const test::SmallTmpfs small(f.tmp / "small", "256k");
  CBACK_REQUIRE_PART(small.mounted());
  const auto mode =
      GENERATE(CompressMode::none, CompressMode::gzip, CompressMode::bzip2, CompressMode::zstd);
  // Incompressible, so that every mode fills the 256 KiB.
  auto dump = f.request({"head", "-c", "3000000", "/dev/urandom"}, mode);
  dump.target = f.tmp / "small" / "dump.txt";
  try {
    write_dump(f.context, dump);
    FAIL("no error");
  } catch (const Error& error) {
    CHECK(error.code() == ExitCode::action);
    CHECK_THAT(std::string(error.what()),
               Catch::Contains("Extension [testext] failed on item [one]") &&
                   Catch::Contains("No space left on device"));
  }
  CHECK(fs::is_empty(f.tmp / "small"));
}

TEST_CASE("CompressedFile writes nothing under the final name before commit", "[extend][dump]") {
  test::TempDir tmp;
  {
    CompressedFile file(tmp / "out.gz", CompressMode::gzip);
    file.write("hello\n");
    CHECK(fs::exists(tmp / "out.gz.partial"));
    CHECK_FALSE(fs::exists(tmp / "out.gz"));
  }
  CHECK_FALSE(fs::exists(tmp / "out.gz.partial"));
  CompressedFile file(tmp / "out.gz", CompressMode::gzip);
  file.write("hello\n");
  file.commit();
  CHECK(decompressed(tmp / "out.gz", CompressMode::gzip, tmp / "plain") == "hello\n");
}

TEST_CASE("Links planted at a dump's .partial and final names leave their targets untouched",
          "[extend][dump][planted]") {
  Fixture f;
  const auto mode = GENERATE(CompressMode::none, CompressMode::gzip);
  const std::string name = "dump.txt" + std::string(compress_suffix(mode));
  const auto victim = f.tmp.write("elsewhere/victim", "precious");
  const auto other = f.tmp.write("elsewhere/other", "also precious");
  REQUIRE(::chown(victim.c_str(), 0, 0) == 0);
  REQUIRE(::chown(other.c_str(), 0, 0) == 0);
  fs::create_symlink(victim, f.tmp / (name + ".partial"));
  fs::create_symlink(other, f.tmp / name);
  f.config.options->backup_user = "nobody";
  f.config.options->backup_group = "nogroup";

  const fs::path written = write_dump(f.context, f.request({"echo", "dumped"}, mode));

  CHECK(test::read_file(victim) == "precious");
  CHECK(test::read_file(other) == "also precious");
  CHECK(fs::symlink_status(written).type() == fs::file_type::regular);
  const std::string content = mode == CompressMode::none
                                  ? test::read_file(written)
                                  : decompressed(written, mode, f.tmp / "plain");
  CHECK(content == "dumped\n");
  struct stat info {};
  REQUIRE(::stat(victim.c_str(), &info) == 0);
  CHECK(info.st_uid == 0);
  REQUIRE(::stat(other.c_str(), &info) == 0);
  CHECK(info.st_uid == 0);
  if (::geteuid() == 0) {
    REQUIRE(::lstat(written.c_str(), &info) == 0);
    CHECK(info.st_uid == 65534);
  }
  CHECK(no_partials(f.tmp.path()));
}

} // namespace
} // namespace cback::extend
