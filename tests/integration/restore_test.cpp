// cback-restore against a real week: cback collects and stages a tree that
// changes every day (CBACK_TODAY), and every day restored must be exactly
// the tree as it was that day.

#include "support/parts.hpp"
#include "support/pool.hpp"
#include "support/python.hpp"
#include "support/random_bytes.hpp"
#include "support/s3_gateway.hpp"
#include "support/text.hpp"

#include <cback/collect/naming.hpp>
#include <cback/core/digest.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace cback::test {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> k_week = {"2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03",
                                         "2026-12-04", "2026-12-05", "2026-12-06"};

/// What a tree is, for comparing: per relative path its kind, mode,
/// owner, content or target, and a file's mtime and xattr.
using Snapshot = std::map<std::string, std::string>;

std::string xattr_of(const fs::path& path) {
  char value[256];
  const ssize_t size = ::lgetxattr(path.c_str(), "user.note", value, sizeof value);
  return size < 0 ? "" : std::string(value, static_cast<std::size_t>(size));
}

Snapshot snapshot(const fs::path& root) {
  Snapshot tree;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path& path = it->path();
    struct ::stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    const std::string owner = fmt::format("{}:{}", st.st_uid, st.st_gid);
    std::string value;
    if (S_ISLNK(st.st_mode)) {
      value = "link " + fs::read_symlink(path).string() + " " + owner;
    } else if (S_ISDIR(st.st_mode)) {
      value = fmt::format("dir {:o} {}", st.st_mode & 07777, owner);
    } else {
      value = fmt::format("file {:o} {} {} [{}] nlink={} {}", st.st_mode & 07777, owner,
                          st.st_mtim.tv_sec, xattr_of(path), st.st_nlink, read_file(path));
    }
    tree[path.lexically_relative(root).string()] = value;
  }
  return tree;
}

/// Compares two snapshots path by path, so that a failure names the path.
void check_same(const Snapshot& actual, const Snapshot& expected) {
  for (const auto& [path, value] : expected) {
    INFO(path);
    const auto found = actual.find(path);
    REQUIRE(found != actual.end());
    CHECK(found->second == value);
  }
  for (const auto& [path, value] : actual) {
    INFO(path);
    CHECK(expected.contains(path));
  }
}

/// SHA-256 of every file below `root`, by path: sources must not change.
std::map<std::string, std::string> checksums(const fs::path& root) {
  std::map<std::string, std::string> sums;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && !entry.is_symlink()) {
      sums[entry.path().string()] = core::to_hex(*core::sha256_file(entry.path().string()));
    }
  }
  return sums;
}

void write(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

enum class Store { no, image };

/// A pool that collects src/ as one incremental item and stages it from a
/// local peer, day after day; with Store::image it also stores each day
/// into a stdio: disc image (a new disc on Monday, a session a day).
/// `extra` (whole sections) is added to the configuration, `after_stage`
/// to the actions of each day, `env` to the environment of each program.
struct WeekPool : Pool {
  explicit WeekPool(const std::string& archive_mode, bool cumulative = false,
                    Store store = Store::no, const std::string& extra = "")
      : m_store(store) {
    for (const char* name : {"collect", "work", "src", "staging"}) {
      make_dir(name);
    }
    const std::string store_table =
        fmt::format("[store]\nsource_dir = '{}'\nmedia_type = \"dvd+rw\"\ndevice_type = "
                    "\"dvdwriter\"\ntarget_device = 'stdio:{}'\n",
                    (dir / "staging").string(), image().string());
    configure(toml_head(dir / "work") +
              collect_table(dir / "collect", dir_item(src(), "incr", archive_mode),
                            cumulative ? "cumulative = true" : "") +
              local_stage_table(dir / "staging", "host1", dir / "collect") +
              (store == Store::image ? store_table : "") + extra);
  }

  [[nodiscard]] fs::path src() const { return dir / "src"; }
  [[nodiscard]] fs::path image() const { return dir / "disc.iso"; }

  void run_day(const std::string& day) const {
    RunOptions options;
    options.env = {"CBACK_TODAY=" + day, "CBACK_IO=posix"};
    options.env.insert(options.env.end(), env.begin(), env.end());
    Args actions =
        m_store == Store::image ? Args{"collect", "stage", "store"} : Args{"collect", "stage"};
    actions.insert(actions.end(), after_stage.begin(), after_stage.end());
    const auto result = cback(actions, options);
    INFO(result.err << logged());
    REQUIRE(result.exit_code == 0);
  }

  RunResult restore(const Args& arguments) const {
    RunOptions options;
    options.env = env;
    return run(cback_command(config, log_file(), arguments, tool_binary("cback-restore")), options);
  }

  /// The first `count` days of the week: changed, collected and staged.
  void run_days(std::size_t count) const;

  Args after_stage;
  std::vector<std::string> env;

private:
  Store m_store;
};

// The changes of each day of the week, on the tree below `src`.
void change_tree(const fs::path& src, std::size_t day) {
  const auto at = [&](const std::string& name) { return src / name; };
  switch (day) {
  case 0:
    write(at("a.txt"), "monday a");
    ::chmod(at("a.txt").c_str(), 0600);
    fs::create_directories(at("dir/deep"));
    write(at("dir/b.txt"), "monday b");
    write(at("dir/deep/c.txt"), "monday c");
    write(at("with space.txt"), "spaces");
    write(at("new\nline"), "newline");
    write(at("bad-\xff\xfe-utf8"), "latin");
    fs::create_directory(at("empty"));
    fs::create_directory(at("old"));
    write(at("old/gone.txt"), "to be deleted");
    fs::create_symlink("a.txt", at("link"));
    fs::create_symlink("/etc/passwd", at("absolute-link"));
    write(at("h1"), "hard linked");
    fs::create_hard_link(at("h1"), at("h2"));
    write(at("x.txt"), "with an attribute");
    ::setxattr(at("x.txt").c_str(), "user.note", "hello", 5, 0);
    ::setxattr(at("dir").c_str(), "user.note", "a directory's", 13, 0);
    if (::geteuid() == 0) {
      write(at("owned"), "owned by 4321");
      REQUIRE(::chown(at("owned").c_str(), 4321, 4322) == 0);
    }
    break;
  case 1:
    write(at("a.txt"), "tuesday a, longer");
    ::chmod(at("a.txt").c_str(), 0640);
    fs::remove(at("dir/b.txt"));
    write(at("c.txt"), "tuesday c");
    break;
  case 2:
    fs::rename(at("c.txt"), at("d.txt"));
    fs::remove_all(at("old"));
    fs::remove(at("empty"));
    write(at("empty"), "a file where a directory was");
    break;
  case 3:
    break; // nothing changes: no archive that day
  case 4:
    fs::remove(at("link"));
    fs::create_symlink("dir", at("link"));
    fs::remove_all(at("dir/deep"));
    fs::create_directories(at("dir/deep/er"));
    write(at("dir/deep/er/e.txt"), "friday e");
    break;
  case 5:
    fs::remove(at("a.txt"));
    break;
  default:
    write(at("a.txt"), "sunday a is back");
    break;
  }
}

void WeekPool::run_days(std::size_t count) const {
  for (std::size_t day = 0; day < count; ++day) {
    change_tree(src(), day);
    run_day(k_week[day]);
  }
}

/// Runs the week, snapshotting src after each day.
std::vector<Snapshot> run_week(const WeekPool& pool) {
  std::vector<Snapshot> snapshots;
  for (std::size_t day = 0; day < k_week.size(); ++day) {
    change_tree(pool.src(), day);
    // A second passes between days: mtimes differ from day to day.
    ::sleep(1);
    pool.run_day(k_week[day]);
    snapshots.push_back(snapshot(pool.src()));
  }
  return snapshots;
}

/// Restores src as of each day from `from` ("" for the staging dir) and
/// compares with that day's snapshot.
void check_every_day(const WeekPool& pool, const std::vector<Snapshot>& snapshots,
                     const std::string& from, const std::string& label) {
  for (std::size_t day = 0; day < k_week.size(); ++day) {
    const fs::path to = pool.dir / fmt::format("restored-{}-{}", label, day);
    Args args{"extract", "--date", k_week[day], "--to", to.string(), pool.src().string()};
    if (!from.empty()) {
      args.insert(args.begin() + 1, {"--from", from});
    }
    const auto result = pool.restore(args);
    INFO(k_week[day] << " " << label << "\n" << result.out << result.err << pool.logged());
    REQUIRE(result.exit_code == 0);
    check_same(snapshot(to / pool.src().relative_path()), snapshots[day]);
  }
}

TEST_CASE("Every day of a week restores exactly the tree of that day, from staging, a copy "
          "and a multisession image",
          "[restore][week]") {
  const std::string mode = GENERATE(as<std::string>(), "targz", "tarzst");
  const bool cumulative = GENERATE(false, true);
  INFO(mode << (cumulative ? " cumulative" : ""));
  WeekPool pool(mode, cumulative, Store::image);
  const auto snapshots = run_week(pool);
  const auto staged = checksums(pool.dir / "staging");
  const auto imaged = core::sha256_file(pool.image().string());
  REQUIRE(imaged);

  check_every_day(pool, snapshots, "", "staging");
  const fs::path copy = pool.dir / "copy";
  fs::copy(pool.dir / "staging", copy,
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  const auto copied = checksums(copy);
  check_every_day(pool, snapshots, copy.string(), "copy");

  check_every_day(pool, snapshots, "stdio:" + pool.image().string(), "image");

  // Restoring is read-only for its sources.
  CHECK(checksums(pool.dir / "staging") == staged);
  CHECK(checksums(copy) == copied);
  CHECK(*core::sha256_file(pool.image().string()) == *imaged);
}

TEST_CASE("Hard links, owners and attributes come back", "[restore][week]") {
  WeekPool pool("tarzst");
  pool.run_days(1);
  const fs::path to = pool.dir / "restored";
  REQUIRE(pool.restore({"extract", "--date", k_week[0], "--to", to.string(), pool.src().string()})
              .exit_code == 0);
  const fs::path restored = to / pool.src().relative_path();
  struct ::stat h1 {};
  struct ::stat h2 {};
  REQUIRE(::lstat((restored / "h1").c_str(), &h1) == 0);
  REQUIRE(::lstat((restored / "h2").c_str(), &h2) == 0);
  CHECK(h1.st_ino == h2.st_ino);
  CHECK(fs::is_symlink(restored / "absolute-link"));
  CHECK(fs::read_symlink(restored / "absolute-link") == "/etc/passwd");
  CHECK(xattr_of(restored / "x.txt") == xattr_of(pool.src() / "x.txt"));
  CHECK(xattr_of(restored / "x.txt") == "hello");
  CHECK(xattr_of(restored / "dir") == "a directory's");
  CHECK(fs::is_directory(restored / "empty"));
  if (::geteuid() == 0) {
    struct ::stat owned {};
    REQUIRE(::lstat((restored / "owned").c_str(), &owned) == 0);
    CHECK(owned.st_uid == 4321);
    CHECK(owned.st_gid == 4322);
  }
}

TEST_CASE("One file is restored alone, where tar would put it", "[restore]") {
  WeekPool pool("targz");
  pool.run_days(2);
  const fs::path to = pool.dir / "one";
  const auto result = pool.restore(
      {"extract", "--date", k_week[1], "--to", to.string(), (pool.src() / "a.txt").string()});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(read_file(to / pool.src().relative_path() / "a.txt") == "tuesday a, longer");
  CHECK_FALSE(fs::exists(to / pool.src().relative_path() / "dir"));
}

// The command as one shell word per argument, for script(1).
std::string shell_line(const Args& argv) {
  std::string line;
  for (const auto& arg : argv) {
    std::string quoted = "'";
    for (const char c : arg) {
      quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    line += (line.empty() ? "" : " ") + quoted + "'";
  }
  return line;
}

TEST_CASE("On a terminal extract shows its progress, and not when its output is piped",
          "[restore][progress]") {
  WeekPool pool("tarzst");
  pool.run_days(1);
  const Args extract = {"extract", "--date", k_week[0], "--to", "", pool.src().string()};
  Args piped = extract;
  piped[4] = (pool.dir / "piped").string();
  const auto quiet = pool.restore(piped);
  INFO(quiet.out << quiet.err);
  REQUIRE(quiet.exit_code == 0);
  CHECK(quiet.out.find("Restored ") != std::string::npos);
  CHECK(quiet.out.find(" of ") == std::string::npos);

  // script(1) runs the command with a terminal as its output.
  Args on_terminal = extract;
  on_terminal[4] = (pool.dir / "terminal").string();
  const auto shown = run({"/usr/bin/script", "-qec",
                          shell_line(cback_command(pool.config, pool.log_file(), on_terminal,
                                                   tool_binary("cback-restore"))),
                          "/dev/null"});
  INFO(shown.out << shown.err);
  REQUIRE(shown.exit_code == 0);
  // "Restored N entries (...)": the count the progress line ends at, kept
  // on the screen when the extract is done ("extract: BYTES, RATE, N of N
  // entries").
  const std::size_t entries = std::stoul(quiet.out.substr(quiet.out.find("Restored ") + 9));
  CHECK(entries > 10);
  CHECK(shown.out.find("extract: ") != std::string::npos);
  CHECK(shown.out.find(fmt::format(", {} of {} entries", entries, entries)) != std::string::npos);
  check_same(snapshot(pool.dir / "terminal"), snapshot(pool.dir / "piped"));
}

TEST_CASE("An existing file is replaced only with --overwrite", "[restore]") {
  WeekPool pool("tarzst");
  pool.run_days(1);
  const fs::path to = pool.dir / "again";
  const fs::path file = to / pool.src().relative_path() / "a.txt";
  const Args args{"extract", "--date",    k_week[0],
                  "--to",    to.string(), (pool.src() / "a.txt").string()};
  REQUIRE(pool.restore(args).exit_code == 0);
  write(file, "edited since");
  const auto refused = pool.restore(args);
  CHECK(refused.exit_code == 6);
  CHECK(contains(refused.out + refused.err, "--overwrite"));
  CHECK(read_file(file) == "edited since");
  Args overwrite = args;
  overwrite.emplace_back("--overwrite");
  CHECK(pool.restore(overwrite).exit_code == 0);
  CHECK(read_file(file) == "monday a");
}

TEST_CASE("A dry run lists what would be written and writes nothing", "[restore]") {
  WeekPool pool("tarzst");
  pool.run_days(1);
  const fs::path to = pool.dir / "dry";
  const auto result = pool.restore({"extract", "--dry-run", "--date", k_week[0], "--to",
                                    to.string(), (pool.src() / "dir").string()});
  REQUIRE(result.exit_code == 0);
  CHECK(contains(result.out, "dir/deep/c.txt"));
  CHECK_FALSE(fs::exists(to / pool.src().relative_path()));
}

TEST_CASE("find shows every version and the deletions; days shows full and incremental",
          "[restore]") {
  WeekPool pool("targz");
  pool.run_days(3);
  const auto found = pool.restore({"find", "**/c.txt"});
  INFO(found.out << found.err);
  REQUIRE(found.exit_code == 0);
  CHECK(lines_of(found.out).size() == 3); // Monday's dir/deep/c.txt, Tuesday's c.txt, its deletion
  CHECK(contains(found.out, "2026-12-02  host1"));
  CHECK(contains(found.out, "deleted"));
  const auto since = pool.restore({"find", "--since", k_week[1], "a.txt"});
  CHECK(lines_of(since.out).size() == 1);
  const auto odd = pool.restore({"find", "/**/new*"});
  CHECK(contains(odd.out, "new\\x0aline"));

  const auto days = pool.restore({"days"});
  REQUIRE(days.exit_code == 0);
  CHECK(lines_of(days.out).size() == 6);
  CHECK(contains(days.out, "full"));
  CHECK(contains(days.out, "incremental"));
}

TEST_CASE("A damaged archive is refused by name and verify reports it", "[restore][verify]") {
  // Read whole (targz) or frame by frame (tarzst).
  const std::string mode = GENERATE(as<std::string>(), "targz", "tarzst");
  WeekPool pool(mode);
  pool.run_days(2);
  REQUIRE(pool.restore({"verify"}).exit_code == 0);

  const std::string name =
      "2026/12/01/host1/" + collect::archive_file_name(
                                pool.src().string(), mode == "targz" ? config::ArchiveMode::targz
                                                                     : config::ArchiveMode::tarzst);
  const fs::path archive = pool.dir / "staging" / name;
  std::string bytes = read_file(archive);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
  write(archive, bytes);

  const auto refused = pool.restore(
      {"extract", "--date", k_week[1], "--to", (pool.dir / "r").string(), pool.src().string()});
  CHECK(refused.exit_code == 6);
  CHECK(contains(refused.out + refused.err, name));
  CHECK_FALSE(fs::exists(pool.dir / "r" / pool.src().relative_path()));
  // Monday does not need Tuesday's archive.
  CHECK(pool.restore({"extract", "--date", k_week[0], "--to", (pool.dir / "m").string(),
                      pool.src().string()})
            .exit_code == 0);

  // find reads the indexes only, which are intact.
  const auto found = pool.restore({"find", "a.txt"});
  CHECK(found.exit_code == 0);
  CHECK(contains(found.out, "2026-11-30  host1"));
  CHECK(contains(found.out, "2026-12-01  host1"));

  const auto verified = pool.restore({"verify"});
  CHECK(verified.exit_code == 6);
  CHECK(contains(verified.out, "DAMAGED  " + name));
  CHECK(contains(pool.logged(), "ERROR"));
  CHECK(contains(pool.logged(), name));
  CHECK(pool.restore({"verify", "--date", k_week[0]}).exit_code == 0);
}

/// A staging tree written by hand: one day of one peer, no manifest.
struct HandStaged : Pool {
  HandStaged() {
    make_dir("staging/2026/11/30/host1");
    configure(toml_head(dir / "work") + local_stage_table(dir / "staging", "host1", dir / "c"));
  }
  [[nodiscard]] fs::path day_dir() const { return dir / "staging/2026/11/30/host1"; }

  RunResult restore(const Args& arguments) const {
    return run(cback_command(config, log_file(), arguments, tool_binary("cback-restore")));
  }
};

TEST_CASE("A day written by the original (GNU tar, no manifest) restores", "[restore][cback3]") {
  HandStaged pool;
  const fs::path src = pool.make_dir("etc-like");
  write(src / "hosts", "127.0.0.1 localhost");
  fs::create_directories(src / "sub dir");
  write(src / "sub dir/file", "inside");
  const auto tar = run({"/usr/bin/tar", "-czf", (pool.day_dir() / "etc-like.tar.gz").string(), "-C",
                        "/", src.relative_path().string()});
  REQUIRE(tar.exit_code == 0);

  const auto days = pool.restore({"days"});
  CHECK(contains(days.out, "no manifest"));
  const fs::path to = pool.dir / "out";
  const auto result =
      pool.restore({"extract", "--date", "2026-11-30", "--to", to.string(), src.string()});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  check_same(snapshot(to / src.relative_path()), snapshot(src));
}

/// A tar archive whose members try to write outside the restore
/// directory: a symlink member pointing to `outside`, then a file through
/// it; members with "..", absolute names; an absolute symlink and a file
/// through it; a hard link out. Needs python3.
void write_hostile_tar(const fs::path& archive, const fs::path& outside) {
  const std::string script = fmt::format(R"(
import io, tarfile
t = tarfile.open("{0}", "w", format=tarfile.PAX_FORMAT)
def add(name, data=b"", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name); info.type = kind; info.linkname = link; info.size = len(data)
    t.addfile(info, io.BytesIO(data) if data else None)
add("evil/ok.txt", b"fine")
add("evil/out", kind=tarfile.SYMTYPE, link="{1}")
add("evil/out/pwned", b"through the link")
add("evil/../../escaped", b"dotdot")
add("/evil/absolute", b"absolute")
add("evil/abs-link", kind=tarfile.SYMTYPE, link="/etc")
add("evil/abs-link/passwd", b"through an absolute link")
add("evil/hard", kind=tarfile.LNKTYPE, link="../../etc/passwd")
t.close()
)",
                                         archive.string(), outside.string());
  REQUIRE(python(script) == 0);
}

/// What extracting "/" of write_hostile_tar's archive into `to` must have
/// done: the harmless members written, nothing outside, each attack named
/// in the `log`.
void check_hostile_refused(const fs::path& pool_dir, const fs::path& to, const fs::path& outside,
                           const std::string& log);

TEST_CASE("Hostile archive members never write outside the restore directory",
          "[restore][hostile]") {
  if (!python_available()) {
    CBACK_REQUIRE_PART("python3");
    return;
  }
  HandStaged pool;
  const fs::path outside = pool.make_dir("outside");
  const fs::path archive = pool.day_dir() / "evil.tar";
  write_hostile_tar(archive, outside);

  const fs::path to = pool.dir / "to";
  const auto result = pool.restore({"extract", "--date", "2026-11-30", "--to", to.string(), "/"});
  INFO(result.out << result.err << pool.logged());
  CHECK(result.exit_code == 6);
  check_hostile_refused(pool.dir.path(), to, outside, pool.logged());
}

void check_hostile_refused(const fs::path& pool_dir, const fs::path& to, const fs::path& outside,
                           const std::string& log) {
  CHECK(read_file(to / "evil/ok.txt") == "fine");
  CHECK(fs::is_symlink(to / "evil/out"));
  CHECK(fs::is_symlink(to / "evil/abs-link"));
  CHECK(fs::read_symlink(to / "evil/abs-link") == "/etc");
  CHECK(fs::is_empty(outside));
  CHECK_FALSE(fs::exists(pool_dir / "escaped"));
  CHECK_FALSE(fs::exists("/evil/absolute"));
  CHECK_FALSE(fs::exists("/etc/passwd-cback-test"));
  CHECK(read_file("/etc/passwd") != "through an absolute link");
  CHECK(contains(log, "evil/out/pwned"));
  CHECK(contains(log, "evil/abs-link/passwd"));
  CHECK(contains(log, "evil/hard"));
}

} // namespace
} // namespace cback::test

namespace cback::test {
namespace {

TEST_CASE("An extension's output is found and extracted by its name", "[restore][outputs]") {
  WeekPool pool("targz");
  change_tree(pool.src(), 0);
  // What the mysql extension leaves in the collect directory for stage.
  write(pool.dir / "collect/mysqldump-shop.txt", "CREATE DATABASE shop;");
  pool.run_day(k_week[0]);
  write(pool.dir / "collect/mysqldump-shop.txt", "CREATE DATABASE shop; -- tuesday");
  pool.run_day(k_week[1]);

  const auto found = pool.restore({"find", "mysqldump*"});
  REQUIRE(found.exit_code == 0);
  CHECK(lines_of(found.out).size() == 2);
  CHECK(contains(found.out, "output"));
  CHECK(contains(pool.restore({"days"}).out, "mysqldump-shop.txt"));

  const fs::path to = pool.dir / "dumps";
  const auto result =
      pool.restore({"extract", "--date", k_week[0], "--to", to.string(), "/mysqldump-shop.txt"});
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(read_file(to / "mysqldump-shop.txt") == "CREATE DATABASE shop;");
  CHECK((fs::status(to / "mysqldump-shop.txt").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
}

} // namespace
} // namespace cback::test

namespace cback::test {
namespace {

TEST_CASE("A day collected by the original cback3 and staged by cback restores",
          "[restore][cback3]") {
  if (!program_available("cback3")) {
    CBACK_REQUIRE_PART("cback3");
    return;
  }
  WeekPool pool("targz");
  change_tree(pool.src(), 0);
  fs::create_directories(pool.dir / "work3");
  const auto config =
      pool.dir.write("cback3.conf", cback3_collect_config(pool.dir / "work3", pool.dir / "collect",
                                                          "daily", "targz", pool.src()));
  const auto collected =
      run(cback_command(config, pool.dir / "cback3.log", {"collect"}, "/usr/bin/cback3"));
  INFO(collected.out << collected.err);
  REQUIRE(collected.exit_code == 0);
  RunOptions options;
  options.env = {"CBACK_TODAY=" + k_week[0]};
  REQUIRE(pool.cback({"stage"}, options).exit_code == 0);
  REQUIRE_FALSE(fs::exists(pool.dir / "staging/2026/11/30/host1/cback.manifest"));

  const fs::path to = pool.dir / "out";
  const auto result =
      pool.restore({"extract", "--date", k_week[0], "--to", to.string(), pool.src().string()});
  INFO(result.out << result.err << pool.logged());
  REQUIRE(result.exit_code == 0);
  // The original archives no directories (an empty one is in no archive)
  // and no extended attributes.
  auto expected = snapshot(pool.src());
  expected.erase("empty");
  auto& attributed = expected.at("x.txt");
  attributed.replace(attributed.find("[hello]"), 7, "[]");
  check_same(snapshot(to / pool.src().relative_path()), expected);
}

} // namespace
} // namespace cback::test

namespace cback::test {
namespace {

/// The [extensions] and [amazons3] sections that upload each staged day
/// to s3://BUCKET/pool on the gateway.
std::string amazons3_tables(const Gateway& gw, const std::string& bucket) {
  return extensions_table("amazons3", 201) +
         fmt::format("[amazons3]\ns3_bucket = \"{}/pool\"\nendpoint_url = \"{}\"\n"
                     "region = \"us-east-1\"\n\n",
                     bucket, gw.endpoint);
}

/// The byte count of the last "Read N bytes from the …" line of `log`.
std::uint64_t last_read(const std::string& log) {
  const auto at = log.rfind("Read ");
  REQUIRE(at != std::string::npos);
  return std::stoull(log.substr(at + 5));
}

TEST_CASE("A week uploaded by the amazons3 extension restores from the bucket as from staging",
          "[restore][s3]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  const std::string bucket = new_bucket();
  REQUIRE(gw->aws({"s3", "mb", "s3://" + bucket}).exit_code == 0);
  WeekPool pool("tarzst", false, Store::no, amazons3_tables(*gw, bucket));
  pool.after_stage = {"amazons3"};
  pool.env = gw->key_env();
  // Monday's archive is several zstd frames: one file of it needs one.
  write(pool.src() / "big.bin", random_bytes(12 << 20, 7));
  const auto snapshots = run_week(pool);
  const std::string from = "s3://" + bucket + "/pool";

  check_every_day(pool, snapshots, from, "s3");
  // days and find say from the bucket what they say from staging.
  const auto days = pool.restore({"days", "--from", from});
  INFO(days.out << days.err << pool.logged());
  REQUIRE(days.exit_code == 0);
  CHECK(days.out == pool.restore({"days"}).out);
  CHECK(contains(days.out, "full"));
  const auto found = pool.restore({"find", "--from", from, "**/c.txt"});
  REQUIRE(found.exit_code == 0);
  // Monday's dir/deep/c.txt and Tuesday's c.txt, each with its deletion.
  CHECK(lines_of(found.out).size() == 4);
  CHECK(found.out == pool.restore({"find", "**/c.txt"}).out);
  REQUIRE(pool.restore({"verify", "--from", from}).exit_code == 0);

  // One small file reads the index and the frame that holds it, not the
  // whole archive.
  const std::string monday_name =
      collect::archive_file_name(pool.src().string(), config::ArchiveMode::tarzst);
  const auto monday_size = fs::file_size(pool.dir / "staging/2026/11/30/host1" / monday_name);
  const fs::path one = pool.dir / "one";
  const auto single = pool.restore({"extract", "--from", from, "--date", k_week[0], "--to",
                                    one.string(), (pool.src() / "a.txt").string()});
  REQUIRE(single.exit_code == 0);
  CHECK(read_file(one / pool.src().relative_path() / "a.txt") == "monday a");
  CHECK(last_read(pool.logged()) < monday_size / 2);

  // An object overwritten with other bytes: verify names it, extract
  // refuses it before writing anything.
  const std::string name = "2026/12/01/host1/" + monday_name;
  std::string bytes = read_file(pool.dir / "staging" / name);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
  write(pool.dir / "damaged", bytes);
  REQUIRE(gw->aws({"s3", "cp", (pool.dir / "damaged").string(), "s3://" + bucket + "/pool/" + name})
              .exit_code == 0);
  const auto verified = pool.restore({"verify", "--from", from});
  CHECK(verified.exit_code == 6);
  CHECK(contains(verified.out, "DAMAGED  " + name));
  CHECK(contains(pool.logged(), name));
  const auto refused = pool.restore({"extract", "--from", from, "--date", k_week[1], "--to",
                                     (pool.dir / "r").string(), pool.src().string()});
  CHECK(refused.exit_code == 6);
  CHECK(contains(refused.out + refused.err, name));
  CHECK_FALSE(fs::exists(pool.dir / "r" / pool.src().relative_path()));
  CHECK(pool.restore({"verify", "--from", from, "--date", k_week[0]}).exit_code == 0);
}

TEST_CASE("Keys and members from a bucket never lead out of the restore directory",
          "[restore][s3][hostile]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  if (!python_available()) {
    CBACK_REQUIRE_PART("python3");
    return;
  }
  HandStaged pool;
  const fs::path outside = pool.make_dir("outside");
  write_hostile_tar(pool.day_dir() / "evil.tar", outside);
  const std::string bucket = new_bucket();
  const std::string root = "s3://" + bucket + "/h/";
  REQUIRE(gw->aws({"s3", "mb", "s3://" + bucket}).exit_code == 0);
  REQUIRE(gw->aws({"s3", "cp", "--recursive", (pool.dir / "staging").string(), root}).exit_code ==
          0);
  // Keys whose names would be "..", "." or empty: a peer "..", an archive
  // below the peer's parent, one with an empty name.
  const std::string evil = (pool.day_dir() / "evil.tar").string();
  for (const std::string key :
       {"2026/11/30/../peer/evil.tar", "2026/11/30/./evil.tar",
        "2026/11/30/host1/../../../../evil.tar", "2026/11/30/host1//x.tar"}) {
    REQUIRE(gw->aws({"s3", "cp", evil, root + key}).exit_code == 0);
  }

  // No configuration names the endpoint: the AWS CLI's variable does.
  RunOptions options;
  options.env = gw->key_env();
  options.env.push_back("AWS_ENDPOINT_URL=" + gw->endpoint);
  const auto restore = [&](const Args& arguments) {
    return run(cback_command(pool.config, pool.log_file(), arguments, tool_binary("cback-restore")),
               options);
  };
  const auto days = restore({"days", "--from", root});
  INFO(days.out << days.err << pool.logged());
  REQUIRE(days.exit_code == 0);
  CHECK(contains(days.out, "host1"));
  CHECK_FALSE(contains(days.out, ".."));
  CHECK(contains(pool.logged(), "Passing over " + root + "2026/11/30/../"));
  CHECK(contains(pool.logged(), "Passing over " + root + "2026/11/30/./"));
  CHECK(contains(pool.logged(), "Passing over " + root + "2026/11/30/host1/../"));
  CHECK(contains(pool.logged(), "Passing over " + root + "2026/11/30/host1//"));

  const fs::path to = pool.dir / "to";
  const auto result =
      restore({"extract", "--from", root, "--date", "2026-11-30", "--to", to.string(), "/"});
  INFO(result.out << result.err << pool.logged());
  CHECK(result.exit_code == 6);
  check_hostile_refused(pool.dir.path(), to, outside, pool.logged());
  CHECK_FALSE(fs::exists(pool.dir / "peer"));
}

} // namespace
} // namespace cback::test

namespace cback::test {
namespace {

// An S3 server that lies, for cback-restore --from s3://: its one day
// holds a manifest of 100 bytes, and then, by its mode, "endless": every
// listing page says there is another with the same token; "huge-page": a
// listing page of 32 MiB; "long-range": a ranged GET answered with 64 MiB.
// It checks no signature. Writes its port to the file it is given.
constexpr const char* k_lying_s3 = R"(
import http.server, sys, urllib.parse
mode, port_file = sys.argv[1], sys.argv[2]
levels = {"": "2026/", "2026/": "2026/11/", "2026/11/": "2026/11/30/",
          "2026/11/30/": "2026/11/30/host1/"}
class Lying(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def answer(self, code, body, headers={}):
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.send_header("ETag", "\"e\"")
        self.end_headers()
    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        if "list-type" not in query:
            return self.answer(206, b"x" * (64 << 20),
                               {"Content-Range": "bytes 0-99/100", "ETag": "\"e\""})
        if query.get("max-keys") == ["0"]:
            return self.answer(200, b"<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>")
        if mode == "endless":
            return self.answer(200, b"<ListBucketResult><IsTruncated>true</IsTruncated>"
                               b"<NextContinuationToken>again</NextContinuationToken>"
                               b"<CommonPrefixes><Prefix>2026/</Prefix></CommonPrefixes></ListBucketResult>")
        if mode == "huge-page":
            return self.answer(200, b"<ListBucketResult>" + b" " * (32 << 20) + b"</ListBucketResult>")
        prefix = query.get("prefix", [""])[0]
        if prefix in levels:
            inner = "<CommonPrefixes><Prefix>" + levels[prefix] + "</Prefix></CommonPrefixes>"
        else:
            inner = ("<Contents><Key>" + prefix + "cback.manifest</Key><Size>100</Size>"
                     "<ETag>\"e\"</ETag></Contents>")
        self.answer(200, ("<ListBucketResult><IsTruncated>false</IsTruncated>" + inner +
                          "</ListBucketResult>").encode())
server = http.server.HTTPServer(("127.0.0.1", 0), Lying)
with open(port_file + ".partial", "w") as out:
    out.write(str(server.server_address[1]))
import os
os.rename(port_file + ".partial", port_file)
server.serve_forever()
)";

/// The lying server in `mode`, stopped when this goes.
class LyingS3 {
public:
  LyingS3(const fs::path& dir, const std::string& mode) {
    const fs::path script = dir / "lying_s3.py";
    write(script, k_lying_s3);
    const fs::path port_file = dir / ("port-" + mode);
    m_pid = spawn_quiet({"/usr/bin/python3", script.string(), mode, port_file.string()}, {});
    for (int i = 0; i < 100 && !fs::exists(port_file); ++i) {
      ::usleep(100'000);
    }
    m_endpoint = "http://127.0.0.1:" + read_file(port_file);
  }
  ~LyingS3() {
    ::kill(m_pid, SIGTERM);
    ::waitpid(m_pid, nullptr, 0);
  }
  LyingS3(const LyingS3&) = delete;
  LyingS3& operator=(const LyingS3&) = delete;
  [[nodiscard]] const std::string& endpoint() const { return m_endpoint; }

private:
  pid_t m_pid = -1;
  std::string m_endpoint;
};

TEST_CASE("A lying S3 server cannot make a restore read without end", "[restore][s3][hostile]") {
  if (!python_available()) {
    CBACK_REQUIRE_PART("python3");
    return;
  }
  HandStaged pool;
  const std::pair<std::string, std::string> cases[] = {
      {"endless", "repeats its continuation token"},
      {"huge-page", "longer than it can be"},
      {"long-range", "longer than it can be"},
  };
  for (const auto& [mode, message] : cases) {
    INFO(mode);
    const LyingS3 server(pool.dir.path(), mode);
    RunOptions options;
    options.env = {"AWS_ACCESS_KEY_ID=lying", "AWS_SECRET_ACCESS_KEY=lying",
                   "AWS_ENDPOINT_URL=" + server.endpoint(), "AWS_CONFIG_FILE=/nonexistent",
                   "AWS_SHARED_CREDENTIALS_FILE=/nonexistent"};
    const auto result =
        run(cback_command(pool.config, pool.log_file(), {"days", "--from", "s3://lying-bucket"},
                          tool_binary("cback-restore")),
            options);
    INFO(result.out << result.err);
    CHECK(result.exit_code == 6);
    const std::string log = pool.logged();
    CHECK(contains(log, message));
    CHECK(contains(log, "s3://lying-bucket/"));
  }
}

TEST_CASE("An object the extension stored encrypted is refused, naming it", "[restore][s3]") {
  const auto gw = gateway();
  CBACK_REQUIRE_PART(gw);
  HandStaged pool;
  write(pool.day_dir() / "etc-like.tar", "not read");
  const std::string bucket = new_bucket();
  REQUIRE(gw->aws({"s3", "mb", "s3://" + bucket}).exit_code == 0);
  // What amazons3 with `encrypt` records: the staged file's size, which is
  // not the object's.
  const std::string key = "s3://" + bucket + "/2026/11/30/host1/etc-like.tar";
  REQUIRE(gw->aws({"s3", "cp", "--metadata", "cback-source=5000:1",
                   (pool.day_dir() / "etc-like.tar").string(), key})
              .exit_code == 0);
  RunOptions options;
  options.env = gw->key_env();
  options.env.push_back("AWS_ENDPOINT_URL=" + gw->endpoint);
  const auto result = run(cback_command(pool.config, pool.log_file(),
                                        {"extract", "--from", "s3://" + bucket, "--date",
                                         "2026-11-30", "--to", (pool.dir / "to").string(), "/"},
                                        tool_binary("cback-restore")),
                          options);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 6);
  CHECK(contains(pool.logged(), key + " is encrypted"));
  CHECK_FALSE(fs::exists(pool.dir / "to"));
}

} // namespace
} // namespace cback::test
