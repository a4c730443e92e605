#include <cback/collect/archive.hpp>
#include <cback/collect/walker.hpp>
#include <cback/core/digest.hpp>
#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>
#include <cback/io/backend.hpp>

#include "support/io_backends.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace cback::collect {
using config::ArchiveMode;
using io::Preference;

// ASan's quarantine keeps freed memory resident, so the bound below holds
// only without it. gcc says so with __SANITIZE_ADDRESS__, clang 14 only
// through __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define CBACK_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CBACK_TEST_ASAN 1
#endif
#endif
#ifndef CBACK_TEST_ASAN
#define CBACK_TEST_ASAN 0
#endif

namespace {

constexpr std::int64_t k_mtime = 1'600'000'000; // whole seconds: pax_restricted keeps seconds

/// What the archive holds for one member, read back with libarchive.
struct Member {
  unsigned type = 0; ///< AE_IFREG, AE_IFDIR, AE_IFLNK
  unsigned perm = 0;
  std::int64_t mtime = 0;
  std::int64_t size = 0;
  std::string sha; ///< of the content
  std::string symlink;
  std::string hardlink;
  std::map<std::string, std::string> xattrs;
};

/// Makes this thread's LC_CTYPE UTF-8 while it lives, so that libarchive
/// reads UTF-8 names as they are (the tests run in the C locale).
class Utf8Thread {
public:
  Utf8Thread() : m_locale(::newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{})) {
    REQUIRE(m_locale != locale_t{});
    m_previous = ::uselocale(m_locale);
  }
  ~Utf8Thread() {
    ::uselocale(m_previous);
    ::freelocale(m_locale);
  }
  Utf8Thread(const Utf8Thread&) = delete;
  Utf8Thread& operator=(const Utf8Thread&) = delete;

private:
  locale_t m_locale;
  locale_t m_previous{};
};

std::map<std::string, Member> read_back(const fs::path& archive_path) {
  const Utf8Thread utf8;
  struct archive* reader = archive_read_new();
  archive_read_support_filter_all(reader);
  archive_read_support_format_all(reader);
  REQUIRE(archive_read_open_filename(reader, archive_path.c_str(), 65536) == ARCHIVE_OK);
  std::map<std::string, Member> members;
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(reader, &entry)) == ARCHIVE_OK) {
    Member member;
    member.type = archive_entry_filetype(entry);
    member.perm = archive_entry_perm(entry);
    member.mtime = archive_entry_mtime(entry);
    member.size = archive_entry_size(entry);
    member.symlink = archive_entry_symlink(entry) ? archive_entry_symlink(entry) : "";
    member.hardlink = archive_entry_hardlink(entry) ? archive_entry_hardlink(entry) : "";
    archive_entry_xattr_reset(entry);
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
      member.xattrs[name] = std::string(static_cast<const char*>(value), size);
    }
    cback::core::Sha256 sha;
    char chunk[65536];
    la_ssize_t n = 0;
    while ((n = archive_read_data(reader, chunk, sizeof chunk)) > 0) {
      sha.update(chunk, static_cast<std::size_t>(n));
    }
    REQUIRE(n == 0);
    member.sha = cback::core::to_hex(sha.finish());
    members[archive_entry_pathname(entry)] = member;
  }
  CHECK(status == ARCHIVE_EOF);
  archive_read_free(reader);
  return members;
}

std::string sha_of(const fs::path& path) {
  const auto digest = cback::core::sha256_file(path.string());
  REQUIRE(digest);
  return cback::core::to_hex(*digest);
}

/// Runs argv, returning its exit status and stderr.
std::pair<int, std::string> run_program(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(pipe_fds[1], 2);
    ::close(pipe_fds[0]);
    std::vector<char*> args;
    for (const auto& arg : argv) {
      args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::string err;
  char chunk[4096];
  for (ssize_t n = 0; (n = ::read(pipe_fds[0], chunk, sizeof chunk)) > 0;) {
    err.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, err};
}

std::string tar_flag(ArchiveMode mode) {
  switch (mode) {
  case ArchiveMode::tar:
    return "--no-auto-compress";
  case ArchiveMode::targz:
    return "--gzip";
  case ArchiveMode::tarbz2:
    return "--bzip2";
  case ArchiveMode::tarzst:
    return "--zstd";
  }
  return "";
}

/// Extracts with GNU tar into `into`; returns tar's stderr (warnings).
std::string gnu_tar_extract(const fs::path& archive_path, ArchiveMode mode, const fs::path& into) {
  fs::create_directories(into);
  const auto [status, err] = run_program({"tar", tar_flag(mode), "--xattrs", "--xattrs-include=*",
                                          "-xpf", archive_path.string(), "-C", into.string()});
  INFO("tar stderr: " << err);
  REQUIRE(status == 0);
  return err;
}

void set_mtime(const fs::path& path, std::int64_t seconds) {
  const timespec times[2] = {{seconds, 0}, {seconds, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

/// The tree of the round-trip tests, under dir/"src". Returns whether the
/// xattr could be set (the filesystem may not support user xattrs).
bool make_tree(const cback::test::TempDir& dir) {
  const fs::path src = dir / "src";
  dir.write("src/empty", "");
  dir.write("src/small.txt", "hello\n");
  dir.write("src/big.bin", cback::test::random_bytes(5 << 20, 7));
  dir.write("src/text.txt", std::string(300000, 'x') + "end\n");
  fs::create_directories(src / "emptydir");
  dir.write("src/odd/inner/file", "inner\n");
  dir.write("src/name with spaces", "spaces\n");
  dir.write("src/new\nline", "newline\n");
  dir.write("src/bad\xff\xfe-name", "not utf-8\n");
  dir.write("src/caf\xc3\xa9", "utf-8\n");
  dir.write("src/hard1", "hard linked\n");
  fs::create_directories(src / "sub");
  REQUIRE(::link((src / "hard1").c_str(), (src / "sub/hard2").c_str()) == 0);
  REQUIRE(::symlink("small.txt", (src / "link").c_str()) == 0);
  dir.write("src/xattr.txt", "with an xattr\n");
  const bool xattr = ::setxattr((src / "xattr.txt").c_str(), "user.cback", "value", 5, 0) == 0;
  ::chmod((src / "odd/inner/file").c_str(), 0640);
  ::chmod((src / "small.txt").c_str(), 0600);
  for (const auto& item : fs::recursive_directory_iterator(src)) {
    set_mtime(item.path(), k_mtime + 17);
  }
  ::chmod((src / "odd/inner").c_str(), 0711);
  ::chmod((src / "odd").c_str(), 0750);
  ::chmod((src / "emptydir").c_str(), 0705);
  set_mtime(src / "odd/inner", k_mtime + 3);
  set_mtime(src / "odd", k_mtime + 2);
  set_mtime(src / "emptydir", k_mtime + 1);
  set_mtime(src, k_mtime);
  return xattr;
}

std::vector<Entry> walk(const fs::path& root) {
  auto result =
      cback::collect::Walker(cback::collect::ExclusionMatcher{}).list_dir(root.string(), {});
  REQUIRE(result.problems.empty());
  REQUIRE(result.units.size() == 1);
  return result.units.back().entries;
}

std::string member_of(const std::string& path) {
  return path.substr(path.find_first_not_of('/'));
}

/// Every walked entry is in the archive as it is on disk.
void check_members(const std::vector<Entry>& entries,
                   const std::map<std::string, Member>& members) {
  CHECK(members.size() == entries.size());
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> first_name;
  for (const Entry& entry : entries) {
    const std::string name = member_of(entry.path);
    INFO("member " << name);
    const auto found =
        members.find(entry.kind == cback::collect::EntryKind::directory ? name + "/" : name);
    const auto any = found != members.end() ? found : members.find(name);
    REQUIRE(any != members.end());
    const Member& member = any->second;
    CHECK(member.perm == (entry.stat.mode & 07777));
    CHECK(member.mtime == entry.stat.mtime_ns / 1000000000);
    switch (entry.kind) {
    case cback::collect::EntryKind::directory:
      CHECK(member.type == AE_IFDIR);
      break;
    case cback::collect::EntryKind::symlink:
      CHECK(member.type == AE_IFLNK);
      CHECK(member.symlink == fs::read_symlink(entry.path).string());
      break;
    case cback::collect::EntryKind::file: {
      const auto key = std::pair{entry.stat.dev, entry.stat.ino};
      if (entry.stat.nlink > 1 && first_name.count(key) != 0) {
        CHECK(member.hardlink == first_name[key]); // libarchive reads no type for these
        break;
      }
      CHECK(member.type == AE_IFREG);
      first_name.emplace(key, name);
      CHECK(member.hardlink.empty());
      CHECK(member.size == entry.stat.size);
      CHECK(member.sha == sha_of(entry.path));
      break;
    }
    }
  }
}

/// The extracted tree matches the source: content, modes, links, mtimes.
void check_extracted(const std::vector<Entry>& entries, const fs::path& out) {
  std::map<std::pair<std::uint64_t, std::uint64_t>, ino_t> extracted_inode;
  for (const Entry& entry : entries) {
    const fs::path copy = out / member_of(entry.path);
    INFO("extracted " << copy);
    struct stat st {};
    REQUIRE(::lstat(copy.c_str(), &st) == 0);
    CHECK((st.st_mode & S_IFMT) == (entry.stat.mode & S_IFMT));
    if (entry.kind == cback::collect::EntryKind::symlink) {
      CHECK(fs::read_symlink(copy) == fs::read_symlink(entry.path));
      continue;
    }
    CHECK((st.st_mode & 07777) == (entry.stat.mode & 07777));
    CHECK(st.st_mtim.tv_sec == entry.stat.mtime_ns / 1000000000);
    if (entry.kind == cback::collect::EntryKind::file) {
      CHECK(sha_of(copy) == sha_of(entry.path));
      const auto key = std::pair{entry.stat.dev, entry.stat.ino};
      const auto [it, first] = extracted_inode.emplace(key, st.st_ino);
      CHECK(it->second == st.st_ino); // hard links stay hard links
    }
  }
}

std::unique_ptr<cback::io::Backend> backend_for(Preference preference) {
  return cback::test::backend_under_test(preference);
}

bool has_problem(const std::vector<cback::collect::Problem>& problems, const std::string& path,
                 const std::string& words) {
  for (const auto& problem : problems) {
    if (problem.path == path && problem.message.find(words) != std::string::npos) {
      return true;
    }
  }
  return false;
}

} // namespace

TEST_CASE("An archive of every kind of entry reads back and extracts with GNU tar",
          "[collect][archive]") {
  const auto preference = CBACK_EACH_BACKEND();
  const auto mode =
      GENERATE(ArchiveMode::tar, ArchiveMode::targz, ArchiveMode::tarbz2, ArchiveMode::tarzst);
  auto backend = backend_for(preference);
  CBACK_REQUIRE_PART(backend);
  INFO("backend " << cback::io::to_string(preference) << ", mode " << static_cast<int>(mode));
  const cback::test::TempDir dir;
  const bool xattr = make_tree(dir);
  const auto entries = walk(dir / "src");
  const fs::path target = dir / "out.tar.x";
  ArchiveOptions options;
  options.mode = mode;
  options.zstd_threads = 2;
  cback::core::StopFlag stop;
  std::uint64_t reports = 0;
  const auto result =
      cback::collect::write_archive(entries, target, options, *backend, stop,
                                    [&](const cback::collect::ArchiveProgress&) { ++reports; });

  CHECK(result.problems.empty());
  CHECK(result.path == target);
  CHECK(result.entries == entries.size());
  CHECK(result.size == fs::file_size(target));
  CHECK(cback::core::to_hex(result.sha256) == sha_of(target));
  CHECK(reports > 0);
  CHECK_FALSE(fs::exists(dir / "out.tar.x.partial"));

  const auto members = read_back(target);
  check_members(entries, members);
  if (xattr) {
    const std::string name = member_of((dir / "src/xattr.txt").string());
    REQUIRE(members.count(name) == 1);
    CHECK(members.at(name).xattrs.at("user.cback") == "value");
  } else {
    WARN("user xattrs unsupported here: xattr not checked");
  }
  // GNU tar warns about the pax keywords it does not know (hdrcharset for
  // the name that is not UTF-8, LIBARCHIVE.xattr next to SCHILY.xattr).
  const std::string warnings = gnu_tar_extract(target, mode, dir / "out");
  INFO("GNU tar said: " << warnings);
  check_extracted(entries, dir / "out");
  if (xattr) {
    char value[16] = {};
    const fs::path copy = dir / "out" / member_of((dir / "src/xattr.txt").string());
    CHECK(::getxattr(copy.c_str(), "user.cback", value, sizeof value) == 5);
    CHECK(std::string(value) == "value");
  }
}

TEST_CASE("A file removed after the walk is a problem and the archive stays valid",
          "[collect][archive]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  const cback::test::TempDir dir;
  make_tree(dir);
  auto entries = walk(dir / "src");
  const std::string gone = (dir / "src/small.txt").string();
  const std::string cut = (dir / "src/big.bin").string();
  fs::remove(gone);
  fs::resize_file(cut, 1000);
  cback::core::StopFlag stop;
  const auto result = cback::collect::write_archive(entries, dir / "a.tar", {}, *backend, stop);
  CHECK(result.problems.size() == 2);
  CHECK(has_problem(result.problems, gone, "vanished"));
  CHECK(has_problem(result.problems, cut, "changed size"));
  CHECK(result.entries == entries.size() - 1);
  const auto members = read_back(dir / "a.tar");
  CHECK(members.count(member_of(gone)) == 0);
  CHECK(members.at(member_of(cut)).size == 1000);
  gnu_tar_extract(dir / "a.tar", ArchiveMode::tarzst, dir / "out");
  CHECK(fs::file_size(dir / "out" / member_of(cut)) == 1000);
  CHECK(sha_of(dir / "out" / member_of(cut)) == sha_of(cut));
}

TEST_CASE("A file replaced by a symbolic link after the walk is not read through",
          "[collect][archive][planted]") {
  auto backend = backend_for(CBACK_EACH_BACKEND());
  if (!backend) {
    return;
  }
  const cback::test::TempDir dir;
  make_tree(dir);
  const auto secret = dir.write("elsewhere/secret", "not for the archive");
  auto entries = walk(dir / "src");
  const std::string swapped = (dir / "src/small.txt").string();
  fs::remove(swapped);
  fs::create_symlink(secret, swapped);
  cback::core::StopFlag stop;
  const auto result = cback::collect::write_archive(entries, dir / "a.tar", {}, *backend, stop);
  CHECK(result.problems.size() == 1);
  CHECK(has_problem(result.problems, swapped, "cannot be opened"));
  const auto members = read_back(dir / "a.tar");
  CHECK(members.count(member_of(swapped)) == 0);
}

TEST_CASE("An archive stream abandoned before its commit leaves nothing behind",
          "[collect][archive]") {
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  const cback::test::TempDir dir;
  make_tree(dir);
  const auto target = dir / "a.tar.zst";
  cback::core::StopFlag stop;
  {
    cback::collect::ArchiveStream stream(target, {}, *backend, stop);
    for (auto& entry : walk(dir / "src")) {
      stream.add(std::move(entry));
    }
  }
  CHECK_FALSE(fs::exists(target));
  CHECK_FALSE(fs::exists(dir / "a.tar.zst.partial"));
}

TEST_CASE("A file that is shorter than its size is padded to it and reported",
          "[collect][archive]") {
  // sysfs files claim 4096 bytes and hold fewer: a file that shrank while read.
  const std::string path = "/sys/kernel/mm/transparent_hugepage/enabled";
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || st.st_size != 4096) {
    cback::test::skip("no sysfs file to stand for a shrinking file");
    return;
  }
  CBACK_BACKEND_UNDER_TEST(preference, backend);
  const cback::test::TempDir dir;
  const std::vector<Entry> entries{
      Entry{path, cback::collect::EntryKind::file, cback::collect::FileStat::from(st)}};
  cback::core::StopFlag stop;
  const auto result = cback::collect::write_archive(entries, dir / "s.tar.zst", {}, *backend, stop);
  REQUIRE(result.problems.size() == 1);
  CHECK(result.problems[0].message.find("padded with zeros") != std::string::npos);
  CHECK(read_back(dir / "s.tar.zst").at(member_of(path)).size == 4096);
  gnu_tar_extract(dir / "s.tar.zst", ArchiveMode::tarzst, dir / "out");
  CHECK(fs::file_size(dir / "out" / member_of(path)) == 4096);
}

TEST_CASE("An archive that cannot be written is an error and leaves nothing behind",
          "[collect][archive]") {
  const auto preference = CBACK_EACH_BACKEND();
  CBACK_REQUIRE_PART(backend_for(preference));
  const cback::test::TempDir dir;
  make_tree(dir);
  const auto entries = walk(dir / "src");
  cback::core::StopFlag stop;

  SECTION("the target directory cannot hold it") {
    auto backend = backend_for(preference);
    dir.write("not-a-dir", "");
    const fs::path target = dir / "not-a-dir/a.tar";
    try {
      cback::collect::write_archive(entries, target, {}, *backend, stop);
      FAIL("no error");
    } catch (const cback::Error& error) {
      CHECK(error.code() == cback::ExitCode::action);
      CHECK_THAT(error.what(), Catch::Contains("a.tar"));
    }
  }
  SECTION("a write fails half way (file size limit)") {
    const fs::path target = dir / "a.tar";
    const auto child = cback::test::run_in_child([&]() -> std::string {
      ::signal(SIGXFSZ, SIG_IGN);
      const rlimit limit{1 << 20, 1 << 20};
      ::setrlimit(RLIMIT_FSIZE, &limit);
      cback::io::BackendOptions options;
      options.preference = preference;
      auto backend = cback::io::make_backend(options);
      if (!backend) {
        return "no backend";
      }
      ArchiveOptions archive_options;
      archive_options.mode = ArchiveMode::tar;
      try {
        cback::collect::write_archive(entries, target, archive_options, **backend, stop);
        return "no error";
      } catch (const cback::Error& error) {
        return fmt::format("code={} {}", static_cast<int>(error.code()), error.what());
      }
    });
    INFO(child.output);
    CHECK(child.output.starts_with("code=6 "));
    CHECK(child.output.find("File too large") != std::string::npos);
    CHECK_FALSE(fs::exists(target));
    CHECK_FALSE(fs::exists(dir / "a.tar.partial"));
  }
  SECTION("a stop was requested") {
    auto backend = backend_for(preference);
    stop.request();
    try {
      cback::collect::write_archive(entries, dir / "a.tar", {}, *backend, stop);
      FAIL("no error");
    } catch (const cback::Error& error) {
      CHECK(error.code() == cback::ExitCode::interrupted);
    }
    CHECK_FALSE(fs::exists(dir / "a.tar"));
    CHECK_FALSE(fs::exists(dir / "a.tar.partial"));
  }
}

namespace {

std::int64_t status_kib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) {
      return std::stoll(line.substr(std::string(field).size()));
    }
  }
  return -1;
}

} // namespace

TEST_CASE("Twenty thousand small files archive correctly in bounded memory",
          "[collect][archive][slow]") {
  const auto preference = CBACK_EACH_BACKEND();
  CBACK_REQUIRE_PART(backend_for(preference));
  const cback::test::TempDir dir;
  constexpr int k_files = 20000;
  constexpr std::size_t k_file_size = 6000; // 120 MB in all
  for (int i = 0; i < k_files; ++i) {
    dir.write(fmt::format("src/d{:03}/f{:05}", i / 100, i),
              cback::test::random_bytes(k_file_size, static_cast<std::uint64_t>(i)));
  }
  const auto entries = walk(dir / "src");
  const fs::path target = dir / "many.tar.zst";
  // In a child, so that the peak RSS measured is this archive's only.
  const auto child = cback::test::run_in_child([&]() -> std::string {
    std::ofstream("/proc/self/clear_refs") << "5"; // resets VmHWM
    const std::int64_t before = status_kib("VmRSS:");
    cback::io::BackendOptions options;
    options.preference = preference;
    auto backend = cback::io::make_backend(options);
    cback::core::StopFlag stop;
    ArchiveOptions archive_options;
    archive_options.zstd_threads = 2;
    const auto result =
        cback::collect::write_archive(entries, target, archive_options, **backend, stop);
    return fmt::format("{} {} {}", result.problems.size(), result.entries,
                       status_kib("VmHWM:") - before);
  });
  std::size_t problems = 1;
  std::uint64_t stored = 0;
  std::int64_t growth_kib = 0;
  std::istringstream(child.output) >> problems >> stored >> growth_kib;
  INFO(child.output);
  CHECK(problems == 0);
  CHECK(stored == entries.size());
#if !CBACK_TEST_ASAN
  // The content is 120 MB; the read-ahead window is 32 MiB, plus buffer
  // pools and zstd's workers.
  CHECK(growth_kib < 100 * 1024);
#endif
  const auto members = read_back(target);
  CHECK(members.size() == entries.size());
  for (int i : {0, 1, 4999, 12345, k_files - 1}) {
    const fs::path file = dir / fmt::format("src/d{:03}/f{:05}", i / 100, i);
    CHECK(members.at(member_of(file.string())).sha == sha_of(file));
  }
}

// Not run by default: `cback_unit_tests "[.archive-bench]"` with
// CBACK_ARCHIVE_BENCH_DIR=DIR archives DIR to DIR.tar.zst and DIR.tar.gz and
// prints the wall time of each.
TEST_CASE("Archive throughput on a given tree", "[.archive-bench]") {
  const char* root = std::getenv("CBACK_ARCHIVE_BENCH_DIR");
  REQUIRE(root != nullptr);
  const auto entries = walk(root);
  auto backend = cback::io::make_backend(Preference::automatic);
  REQUIRE(backend);
  for (const auto mode : {ArchiveMode::tarzst, ArchiveMode::targz}) {
    ArchiveOptions options;
    options.mode = mode;
    cback::core::StopFlag stop;
    const fs::path target =
        std::string(root) + (mode == ArchiveMode::tarzst ? ".tar.zst" : ".tar.gz");
    const auto start = std::chrono::steady_clock::now();
    const auto result = cback::collect::write_archive(entries, target, options, **backend, stop);
    const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;
    WARN(fmt::format("{}: {} entries, {} MB in, {} MB out, {:.2f} s wall ({})", target.string(),
                     result.entries, result.input_bytes / 1000000, result.size / 1000000,
                     wall.count(), cback::io::to_string((*backend)->kind())));
  }
}

} // namespace cback::collect
