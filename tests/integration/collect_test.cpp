// The collect action through the real binary: archives that GNU tar reads
// back as the source tree, incrementals over simulated days, what a killed
// or stopped collect leaves behind, and that a change collected by a run
// that did not complete still reaches the disc (collect, stage, store).

#include <cback/collect/manifest.hpp>
#include <cback/collect/naming.hpp>

#include "support/collect_pool.hpp"
#include "support/iso_tools.hpp"
#include "support/parts.hpp"
#include "support/store_pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace cback::test {

namespace {

bool has_finished_files(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".partial") {
      return true;
    }
  }
  return false;
}

/// 3 000 small files in 30 directories and three 16 MiB incompressible ones.
void make_large_tree(const fs::path& root) {
  std::mt19937_64 random(42);
  for (int d = 0; d < 30; ++d) {
    const auto sub = root / fmt::format("d{:02}", d);
    fs::create_directories(sub);
    for (int f = 0; f < 100; ++f) {
      std::ofstream(sub / fmt::format("f{:03}", f)) << fmt::format("file {} {}\n", d, f);
    }
  }
  std::vector<std::uint64_t> block(1 << 17);
  for (int b = 0; b < 3; ++b) {
    std::ofstream out(root / fmt::format("big{}", b), std::ios::binary);
    for (int chunk = 0; chunk < 16; ++chunk) {
      for (auto& word : block) {
        word = random();
      }
      out.write(reinterpret_cast<const char*>(block.data()),
                static_cast<std::streamsize>(block.size() * sizeof(std::uint64_t)));
    }
  }
}

} // namespace

TEST_CASE("A full collect in each archive mode extracts to the source tree",
          "[integration][collect]") {
  const auto [mode_name, mode] = GENERATE(std::pair{"tar", cback::config::ArchiveMode::tar},
                                          std::pair{"targz", cback::config::ArchiveMode::targz},
                                          std::pair{"tarbz2", cback::config::ArchiveMode::tarbz2},
                                          std::pair{"tarzst", cback::config::ArchiveMode::tarzst});
  CollectPool pool;
  const auto tree = pool.src() / "tree";
  pool.configure_items(dir_item(tree, "daily", mode_name));
  pool.dir.write("src/tree/a.txt", "alpha\n");
  pool.dir.write("src/tree/sub/b.txt", "beta\n");
  pool.dir.write("src/tree/sub/deeper/c.bin", std::string(100'000, 'c'));
  fs::create_directories(tree / "empty");
  fs::create_symlink("a.txt", tree / "link");

  const auto result = pool.collect(k_monday);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto archive = pool.archive(tree, mode);
  REQUIRE(fs::exists(archive));
  CHECK(pool.collected());

  const auto prefix = tree.relative_path().string();
  CHECK(tar_list(archive) == std::vector<std::string>{prefix, prefix + "/a.txt", prefix + "/empty",
                                                      prefix + "/link", prefix + "/sub",
                                                      prefix + "/sub/b.txt", prefix + "/sub/deeper",
                                                      prefix + "/sub/deeper/c.bin"});
  fs::create_directories(pool.dir / "out");
  REQUIRE(
      run({"/usr/bin/tar", "-xf", archive.string(), "-C", (pool.dir / "out").string()}).exit_code ==
      0);
  CHECK(tree_of(pool.dir / "out" / prefix) == tree_of(tree));

  const auto manifest = cback::collect::load_manifest(pool.dir / "collect/cback.manifest");
  REQUIRE(manifest.has_value());
  REQUIRE(manifest->archives.size() == 1);
  CHECK(manifest->archives[0].name == archive.filename().string());
  CHECK(manifest->archives[0].size == fs::file_size(archive));
  CHECK(manifest->archives[0].sha256 == cback::core::sha256(read_file(archive)));
}

TEST_CASE("The second day of an incremental collect archives only the changed file",
          "[integration][collect][incr]") {
  CollectPool pool;
  pool.configure_items(dir_item(pool.src(), "incr", "tar"));
  pool.dir.write("src/a", "a");
  pool.dir.write("src/sub/b", "b");
  pool.dir.write("src/sub/c", "c");
  const auto archive = pool.archive(pool.src(), cback::config::ArchiveMode::tar);

  REQUIRE(pool.collect(k_monday).exit_code == 0);
  CHECK(tar_list(archive).size() == 5);
  pool.dir.write("src/sub/c", "c, changed");
  const auto result = pool.collect(k_tuesday);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto prefix = pool.src().relative_path().string();
  CHECK(tar_list(archive) == std::vector<std::string>{prefix, prefix + "/sub", prefix + "/sub/c"});
  CHECK(pool.collected());
}

TEST_CASE("The manifest of the second incremental day names the file removed since the first",
          "[integration][collect][incr]") {
  CollectPool pool;
  pool.configure_items(dir_item(pool.src(), "incr", "tar"));
  pool.dir.write("src/a", "a");
  pool.dir.write("src/sub/gone", "g");
  REQUIRE(pool.collect(k_monday).exit_code == 0);

  fs::remove(pool.src() / "sub/gone");
  const auto result = pool.collect(k_tuesday);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto manifest = cback::collect::load_manifest(pool.dir / "collect/cback.manifest");
  REQUIRE(manifest.has_value());
  CHECK(manifest->date == "2026-12-01");
  CHECK(manifest->deleted == std::vector<cback::collect::ManifestDeletion>{
                                 {pool.src().string(), (pool.src() / "sub/gone").string()}});
  CHECK(read_file(pool.dir / "collect/cback.manifest").find("\ndeleted ") != std::string::npos);
}

namespace {

/// One line of the text state format of version 1 for `path`, as it is now.
std::string text_state_line(const fs::path& path, std::int64_t size_delta = 0) {
  struct ::stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  const auto ns = [](const timespec& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
  };
  const char kind = S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : 'f';
  return fmt::format("{} {} {} {} {} {:o} - {}\n", kind, st.st_size + size_delta, ns(st.st_mtim),
                     ns(st.st_ctim), st.st_ino, st.st_mode, path.string());
}

} // namespace

TEST_CASE("An incremental state in the old text format is migrated to the binary one",
          "[integration][collect][incr]") {
  CollectPool pool;
  pool.configure_items(dir_item(pool.src(), "incr", "tar"));
  pool.dir.write("src/a", "a");
  pool.dir.write("src/sub/b", "b");
  REQUIRE(pool.collect(k_monday).exit_code == 0);
  // The state as an earlier cback wrote it: /src/sub/b recorded with another size.
  const auto state = pool.state(pool.src());
  std::ofstream(state, std::ios::binary | std::ios::trunc)
      << "cback-state 1\n"
      << text_state_line(pool.src()) << text_state_line(pool.src() / "a")
      << text_state_line(pool.src() / "sub") << text_state_line(pool.src() / "sub/b", 1)
      << "end 4\n";

  const auto result = pool.collect(k_tuesday);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto prefix = pool.src().relative_path().string();
  CHECK(tar_list(pool.archive(pool.src(), cback::config::ArchiveMode::tar)) ==
        std::vector<std::string>{prefix, prefix + "/sub", prefix + "/sub/b"});
  CHECK(read_file(state).substr(0, 8) == std::string("CBSTATE\0", 8));
  CHECK(read_file(pool.dir / "cback.log").find("old text format") != std::string::npos);

  // Wednesday: nothing changed, nothing archived.
  fs::remove(pool.archive(pool.src(), cback::config::ArchiveMode::tar));
  REQUIRE(pool.collect("CBACK_TODAY=2026-12-02").exit_code == 0);
  CHECK_FALSE(fs::exists(pool.archive(pool.src(), cback::config::ArchiveMode::tar)));
}

TEST_CASE("A state in the old text format stays until a run completes, then is migrated",
          "[integration][collect][incr]") {
  CollectPool pool;
  const auto late = pool.dir / "late";
  pool.configure_items(dir_item(pool.src(), "incr", "tar") + file_item(late));
  pool.dir.write("src/a", "a");
  pool.dir.write("src/sub/b", "b");
  pool.dir.write("late", "l");
  REQUIRE(pool.collect(k_monday).exit_code == 0);
  const auto state = pool.state(pool.src());
  std::ofstream(state, std::ios::binary | std::ios::trunc)
      << "cback-state 1\n"
      << text_state_line(pool.src()) << text_state_line(pool.src() / "a")
      << text_state_line(pool.src() / "sub") << text_state_line(pool.src() / "sub/b", 1)
      << "end 4\n";
  const auto text = read_file(state);

  // Tuesday: the other item fails; the text state is left as it was.
  fs::remove(late);
  REQUIRE(pool.collect(k_tuesday).exit_code == 6);
  CHECK(read_file(state) == text);
  CHECK_FALSE(fs::exists(state.string() + ".next"));

  // Wednesday: the run completes; the same change is archived again and the
  // state is migrated.
  pool.dir.write("late", "l");
  const auto result = pool.collect("CBACK_TODAY=2026-12-02");
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto prefix = pool.src().relative_path().string();
  CHECK(tar_list(pool.archive(pool.src(), cback::config::ArchiveMode::tar)) ==
        std::vector<std::string>{prefix, prefix + "/sub", prefix + "/sub/b"});
  CHECK(read_file(state).substr(0, 8) == std::string("CBSTATE\0", 8));
}

namespace {

/// A digest file as Cedar Backup writes it: a pickled dict path -> SHA-1 hex.
std::string cedar_digest_file(const std::vector<std::pair<fs::path, std::string>>& digests) {
  std::string pickle = "(dp0\n";
  int memo = 1;
  for (const auto& [path, digest] : digests) {
    pickle += fmt::format("S'{}'\np{}\nS'{}'\np{}\ns", path.string(), memo, digest, memo + 1);
    memo += 2;
  }
  return pickle + ".";
}

constexpr const char* k_sha1_a = "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"; // "a"

} // namespace

TEST_CASE("The first mid-week run after Cedar Backup goes on from its digest file",
          "[integration][collect][incr]") {
  CollectPool pool;
  pool.configure_items(dir_item(pool.src(), "incr", "tar"));
  pool.dir.write("src/a", "a");          // recorded, unchanged
  pool.dir.write("src/sub/b", "b");      // recorded with another digest
  pool.dir.write("src/sub/new", "n");    // not recorded
  const auto gone = pool.src() / "gone"; // recorded, no longer there
  std::ofstream(pool.dir / "work" / cback::collect::legacy_digest_file_name(pool.src().string()))
      << cedar_digest_file({{pool.src() / "a", k_sha1_a},
                            {pool.src() / "sub/b", "0000000000000000000000000000000000000000"},
                            {gone, k_sha1_a}});
  const auto archive = pool.archive(pool.src(), cback::config::ArchiveMode::tar);

  const auto result = pool.collect(k_tuesday);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto prefix = pool.src().relative_path().string();
  CHECK(tar_list(archive) ==
        std::vector<std::string>{prefix, prefix + "/sub", prefix + "/sub/b", prefix + "/sub/new"});
  const auto log = read_file(pool.dir / "cback.log");
  CHECK(log.find("the 3 digests of the Cedar Backup file") != std::string::npos);
  CHECK(log.find("this run is a full one") == std::string::npos);
  const auto manifest = cback::collect::load_manifest(pool.dir / "collect/cback.manifest");
  REQUIRE(manifest.has_value());
  CHECK(manifest->deleted ==
        std::vector<cback::collect::ManifestDeletion>{{pool.src().string(), gone.string()}});
  REQUIRE(fs::exists(pool.state(pool.src())));

  // Wednesday: cback's own state is the base; only the changed file goes.
  fs::remove(archive);
  pool.dir.write("src/a", "a, changed");
  const auto next = pool.collect("CBACK_TODAY=2026-12-02");
  INFO(next.out << next.err);
  REQUIRE(next.exit_code == 0);
  CHECK(tar_list(archive) == std::vector<std::string>{prefix, prefix + "/a"});
  CHECK(read_file(pool.dir / "cback.log").find("Cedar Backup file", log.size()) ==
        std::string::npos);
}

TEST_CASE("A digest file written by the original cback3 collect is the base of the first run",
          "[integration][collect][incr][cback3]") {
  if (!program_available("cback3")) {
    CBACK_REQUIRE_PART("cback3");
    return;
  }
  CollectPool pool;
  pool.configure_items(dir_item(pool.src(), "incr", "tar"));
  pool.dir.write("src/a", "a");
  pool.dir.write("src/sub/b", "b");
  fs::create_directories(pool.dir / "collect3");
  const auto config =
      pool.dir.write("cback3.conf", cback3_collect_config(pool.dir / "work", pool.dir / "collect3",
                                                          "incr", "tar", pool.src()));
  const auto original =
      run(cback_command(config, pool.dir / "cback3.log", {"collect"}, "/usr/bin/cback3"));
  INFO(original.out << original.err);
  REQUIRE(original.exit_code == 0);
  REQUIRE(
      fs::exists(pool.dir / "work" / cback::collect::legacy_digest_file_name(pool.src().string())));

  pool.dir.write("src/sub/b", "b, changed");
  const auto result = pool.collect(k_tuesday);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto prefix = pool.src().relative_path().string();
  CHECK(tar_list(pool.archive(pool.src(), cback::config::ArchiveMode::tar)) ==
        std::vector<std::string>{prefix, prefix + "/sub", prefix + "/sub/b"});
}

TEST_CASE("A first mid-week run without a state or a Cedar Backup digest file warns it is full",
          "[integration][collect][incr]") {
  CollectPool pool;
  pool.configure_items(dir_item(pool.src(), "incr", "tar"));
  pool.dir.write("src/a", "a");
  pool.dir.write("src/sub/b", "b");
  const auto sha = pool.dir / "work" / cback::collect::legacy_digest_file_name(pool.src().string());
  const bool unreadable = GENERATE(false, true);
  if (unreadable) {
    std::ofstream(sha) << "not a pickle";
  }

  const auto result = pool.collect(k_tuesday);
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(tar_list(pool.archive(pool.src(), cback::config::ArchiveMode::tar)).size() == 4);
  const auto log = read_file(pool.dir / "cback.log");
  const auto warning = log.find("WARNING");
  REQUIRE(warning != std::string::npos);
  const auto line = log.substr(warning, log.find('\n', warning) - warning);
  CHECK(line.find(pool.src().string()) != std::string::npos);
  CHECK(line.find(sha.string()) != std::string::npos);
  CHECK(line.find("this run is a full one") != std::string::npos);
}

TEST_CASE("A corrupt or truncated state file is reported by name and the item backed up in full",
          "[integration][collect][incr]") {
  const auto damage = GENERATE(as<std::string>{}, "truncated", "flipped");
  CollectPool pool;
  pool.configure_items(dir_item(pool.src(), "incr", "tar"));
  pool.dir.write("src/a", "a");
  pool.dir.write("src/sub/b", "b");
  REQUIRE(pool.collect(k_monday).exit_code == 0);
  const auto state = pool.state(pool.src());
  auto bytes = read_file(state);
  if (damage == "truncated") {
    bytes.resize(bytes.size() - 5);
  } else {
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  }
  std::ofstream(state, std::ios::binary | std::ios::trunc) << bytes;

  const auto result = pool.collect(k_tuesday);
  INFO(damage << "\n" << result.out << result.err);
  REQUIRE(result.exit_code == 0);
  const auto prefix = pool.src().relative_path().string();
  CHECK(tar_list(pool.archive(pool.src(), cback::config::ArchiveMode::tar)) ==
        std::vector<std::string>{prefix, prefix + "/a", prefix + "/sub", prefix + "/sub/b"});
  const auto log = read_file(pool.dir / "cback.log");
  CHECK(log.find("Failed loading state [" + state.string() + "]") != std::string::npos);
  const auto manifest = cback::collect::load_manifest(pool.dir / "collect/cback.manifest");
  REQUIRE(manifest.has_value());
  REQUIRE(manifest->problems.size() == 1);
  CHECK(manifest->problems[0].path == state.string());
  // The state was rewritten whole: the next day archives nothing.
  fs::remove(pool.archive(pool.src(), cback::config::ArchiveMode::tar));
  REQUIRE(pool.collect("CBACK_TODAY=2026-12-02").exit_code == 0);
  CHECK_FALSE(fs::exists(pool.archive(pool.src(), cback::config::ArchiveMode::tar)));
}

TEST_CASE("cback --perf collect prints a timing table naming the item and its bytes",
          "[integration][collect][perf]") {
  CollectPool pool;
  pool.configure_items(dir_item(pool.src(), "daily", "tar"));
  pool.dir.write("src/a", std::string(4096, 'a'));
  const auto result = pool.collect(k_monday, {}, {"--perf"});
  INFO(result.out << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.find("Performance of collect:") != std::string::npos);
  std::istringstream lines(result.out);
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    if (line.starts_with(pool.src().string() + " ")) {
      found = true;
      std::istringstream fields(line.substr(pool.src().string().size()));
      double walk = 0;
      double write = 0;
      std::string bytes_in;
      std::string unit;
      fields >> walk >> write >> bytes_in >> unit;
      CHECK(bytes_in + " " + unit == "4.00 KiB");
    }
  }
  CHECK(found);
  CHECK(pool.collect(k_tuesday).out.find("Performance") == std::string::npos);
}

TEST_CASE("A collect killed with SIGKILL leaves no finished archive and no advanced state",
          "[integration][collect][incr]") {
  CollectPool pool;
  const auto src = pool.configure_src("incr", "targz");
  pool.dir.write("src/first", "first");
  REQUIRE(pool.collect(k_monday).exit_code == 0);
  const auto state = read_file(pool.state(src));
  for (const auto& entry : fs::directory_iterator(pool.dir / "collect")) {
    fs::remove(entry.path());
  }

  make_large_tree(src);
  const auto archive = pool.archive(src, cback::config::ArchiveMode::targz);
  RunOptions options;
  options.signal = SIGKILL;
  options.signal_when_exists = archive.string() + ".partial";
  const auto result = pool.collect(k_tuesday, options);
  CHECK(result.exit_code == 128 + SIGKILL);
  CHECK_FALSE(fs::exists(archive));
  CHECK_FALSE(has_finished_files(pool.dir / "collect"));
  CHECK_FALSE(pool.collected());
  CHECK(read_file(pool.state(src)) == state);
}

TEST_CASE("A collect stopped with SIGTERM exits 5 and leaves nothing that looks finished",
          "[integration][collect]") {
  CollectPool pool;
  const auto src = pool.src();
  make_large_tree(src);
  pool.configure_items(dir_item(src, "daily", "targz"));
  const auto archive = pool.archive(src, cback::config::ArchiveMode::targz);
  RunOptions options;
  options.signal = SIGTERM;
  options.signal_when_exists = archive.string() + ".partial";
  const auto result = pool.collect(k_tuesday, options);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 5);
  CHECK_FALSE(fs::exists(archive));
  CHECK_FALSE(has_finished_files(pool.dir / "collect"));
  CHECK_FALSE(pool.collected());
}

TEST_CASE("A missing item fails the collect with exit 6 naming it; the others are archived",
          "[integration][collect]") {
  CollectPool pool;
  const auto missing = pool.dir / "no-such-file";
  const auto src = pool.src();
  pool.dir.write("src/a", "a");
  pool.configure_items(file_item(missing) + dir_item(src, "daily", "tar"));
  const auto result = pool.collect(k_tuesday);
  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains(missing.string()));
  CHECK(fs::exists(pool.archive(src, cback::config::ArchiveMode::tar)));
  CHECK_FALSE(pool.collected());
  const auto manifest = cback::collect::load_manifest(pool.dir / "collect/cback.manifest");
  REQUIRE(manifest.has_value());
  REQUIRE(manifest->failed_items.size() == 1);
  CHECK(manifest->failed_items[0].path == missing.string());
}

TEST_CASE("A cumulative incremental with content detection holds the week's real changes",
          "[integration][collect][incr]") {
  CollectPool pool;
  pool.configure_items(dir_item(pool.src(), "incr", "tar"),
                       "change_detection = \"content\"\ncumulative = true\n");
  const auto a = pool.dir.write("src/a", "a");
  pool.dir.write("src/b", "b");
  const auto archive = pool.archive(pool.src(), cback::config::ArchiveMode::tar);
  REQUIRE(pool.collect(k_monday).exit_code == 0);

  pool.dir.write("src/b", "b, changed");
  fs::last_write_time(a, fs::last_write_time(a) + std::chrono::hours(1)); // same content
  REQUIRE(pool.collect(k_tuesday).exit_code == 0);
  const auto prefix = pool.src().relative_path().string();
  CHECK(tar_list(archive) == std::vector<std::string>{prefix, prefix + "/b"});

  pool.dir.write("src/c", "c");
  REQUIRE(pool.collect("CBACK_TODAY=2026-12-02").exit_code == 0);
  CHECK(tar_list(archive) == std::vector<std::string>{prefix, prefix + "/b", prefix + "/c"});
}

namespace {

constexpr const char* k_day1 = "2026-11-30"; // Monday, the starting day
constexpr const char* k_day2 = "2026-12-01";
constexpr const char* k_day3 = "2026-12-02";

/// A master that collects two items of its own, stages them as its local
/// peer "peer1" and stores the staging directory on a stdio: image: a (an
/// incremental tar) and b (daily, targz).
struct Master {
  cback::test::StorePool pool;
  fs::path a = pool.dir / "src/a";
  fs::path b = pool.dir / "src/b";

  Master() {
    fs::create_directories(pool.dir / "collect");
    fs::create_directories(a);
    fs::create_directories(b);
    pool.extra = collect_table(pool.dir / "collect",
                               dir_item(a, "incr", "tar") + dir_item(b, "daily", "targz"));
  }

  [[nodiscard]] fs::path archive_of_a() const {
    return pool.dir / "collect" /
           cback::collect::archive_file_name(a.string(), cback::config::ArchiveMode::tar);
  }
  [[nodiscard]] fs::path state_of_a() const {
    return pool.dir / "work" / cback::collect::state_file_name(a.string());
  }
  [[nodiscard]] bool collected() const { return fs::exists(pool.dir / "collect/cback.collect"); }

  /// collect, stage and store on `date`, each of which must succeed.
  void back_up(const std::string& date) const {
    for (const std::string action : {"collect", "stage", "store"}) {
      const RunResult result = pool.run({action}, date);
      INFO(date << " " << action << ": " << result.out << result.err << pool.log());
      REQUIRE(result.exit_code == 0);
    }
  }

  /// Runs collect on `date` and kills it with SIGKILL as soon as the log
  /// gains a line containing `text`; returns the exit status (128 + the
  /// signal when killed).
  int collect_killed_at(const std::string& date, const std::string& text) const {
    const auto log = pool.dir / "cback.log";
    const auto start = fs::exists(log) ? fs::file_size(log) : 0;
    const pid_t pid =
        spawn_quiet(cback_command(pool.config(), log, {"collect"}), {"CBACK_TODAY=" + date});
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      const auto logged = read_file(log);
      if (logged.size() > start && logged.find(text, start) != std::string::npos) {
        ::kill(pid, SIGKILL);
      } else if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        FAIL("collect never logged [" << text << "]");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  /// The member `name` of a's archive of `date` as the disc holds it (the
  /// newest session extracted by xorriso, the archive read by GNU tar);
  /// empty when it is not there.
  [[nodiscard]] std::string on_disc(const std::string& date, const std::string& name) const {
    const auto out = pool.dir / ("disc-" + date);
    if (!fs::exists(out)) {
      REQUIRE(cback::test::iso::extract(pool.image, out));
    }
    const auto archive = out / date.substr(0, 4) / date.substr(5, 2) / date.substr(8, 2) / "peer1" /
                         archive_of_a().filename();
    if (!fs::exists(archive)) {
      return "";
    }
    const auto member = (a / name).relative_path().string();
    const auto result = run({"/usr/bin/tar", "-xOf", archive.string(), member});
    return result.exit_code == 0 ? result.out : "";
  }
};

} // namespace

TEST_CASE("A change collected by a run whose other item failed reaches the next day's disc",
          "[integration][collect][incr][store]") {
  CBACK_REQUIRE_PART(cback::test::program_available("xorriso"));
  // Wednesday either changes another file of a (its archive replaces
  // Tuesday's in collect_dir) or changes nothing after collect_dir was
  // purged: either way only Wednesday's archive of a can carry Tuesday's
  // change to the disc.
  const bool purged = GENERATE(false, true);
  Master master;
  master.pool.dir.write("src/a/f", "f on Monday\n");
  master.pool.dir.write("src/a/g", "g on Monday\n");
  master.pool.dir.write("src/b/x", "x\n");
  master.back_up(k_day1);

  // Tuesday: f changes in a while b fails (it is gone).
  master.pool.dir.write("src/a/f", "f on Tuesday\n");
  fs::rename(master.b, master.pool.dir / "b-away");
  const RunResult tuesday = master.pool.run({"collect"}, k_day2);
  INFO(tuesday.out << tuesday.err << master.pool.log());
  REQUIRE(tuesday.exit_code == 6);
  CHECK_THAT(tuesday.out + tuesday.err, Catch::Contains(master.b.string()));
  CHECK_FALSE(master.collected());
  CHECK(fs::exists(master.archive_of_a())); // committed, but never to be staged

  // Wednesday: b is back and the run completes.
  fs::rename(master.pool.dir / "b-away", master.b);
  if (purged) {
    for (const auto& entry : fs::directory_iterator(master.pool.dir / "collect")) {
      fs::remove(entry.path());
    }
  } else {
    master.pool.dir.write("src/a/g", "g on Wednesday\n");
  }
  master.back_up(k_day3);
  CHECK(master.on_disc(k_day3, "f") == "f on Tuesday\n");
  CHECK(master.on_disc(k_day3, "g") == (purged ? "" : "g on Wednesday\n"));
  CHECK_FALSE(fs::exists(master.state_of_a().string() + ".next"));
}

TEST_CASE("A change collected by a run killed with SIGKILL reaches the next day's disc",
          "[integration][collect][incr][store]") {
  CBACK_REQUIRE_PART(cback::test::program_available("xorriso"));
  Master master;
  master.pool.dir.write("src/a/f", "f on Monday\n");
  master.pool.dir.write("src/a/g", "g on Monday\n");
  master.pool.dir.write("src/b/x", "x\n");
  master.back_up(k_day1);

  // Tuesday: f changes; b is large, so the run is still archiving it when a
  // is done (its archive committed, its next state written). Then the
  // whole run is killed.
  master.pool.dir.write("src/a/f", "f on Tuesday\n");
  make_large_tree(master.b);
  const int status = master.collect_killed_at(
      k_day2, fmt::format("Completed collecting directory [{}]", master.a.string()));
  INFO(master.pool.log());
  REQUIRE(status == 128 + SIGKILL);
  REQUIRE_FALSE(master.collected()); // killed before the run ended
  CHECK(fs::exists(master.archive_of_a()));

  // Wednesday: b is small again, g changes, and the run completes.
  fs::remove_all(master.b);
  master.pool.dir.write("src/b/x", "x\n");
  master.pool.dir.write("src/a/g", "g on Wednesday\n");
  master.back_up(k_day3);
  CHECK(master.on_disc(k_day3, "f") == "f on Tuesday\n");
  CHECK(master.on_disc(k_day3, "g") == "g on Wednesday\n");
  CHECK_FALSE(fs::exists(master.state_of_a().string() + ".next"));
}

} // namespace cback::test
