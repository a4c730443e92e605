// cback-corpus: writes a deterministic test tree for the benchmarks in bench/.
//
// The same seed, size, file count and profile give the same tree, byte for
// byte, on every machine: the only randomness is a hand-written xoshiro256**
// generator seeded through splitmix64 (std::uniform_* distributions differ
// between standard library versions, so they are not used). Every file gets
// its own generator derived from (seed, file number), so its content does not
// depend on the order in which files are written.
//
// Profile "mixed": many small files (0–64 KiB) and some large ones (1–64 MiB),
// text-like compressible content and random incompressible bytes, a deep
// branch (depth ≥ 12), symbolic links to files and dirs (some dangling), hard
// links, empty directories, names with spaces and a few non-ASCII names.
// Profile "small": ≥ 100 000 tiny files for the incremental benchmark.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr std::string_view k_usage =
    "Usage: cback-corpus --out DIR [--seed N] [--size MIB] [--files N]\n"
    "                    [--profile mixed|small]\n"
    "\n"
    "  --out DIR      where to write the tree (must not exist or be empty)\n"
    "  --seed N       generator seed (default 1); same seed, same tree\n"
    "  --size MIB     mixed: total MiB of regular files (default 1024)\n"
    "  --files N      number of small files (mixed: derived from --size;\n"
    "                 small: 100000)\n"
    "  --profile P    mixed (default) or small (tiny files, for incr runs)\n";

constexpr std::uint64_t k_kib = 1024;
constexpr std::uint64_t k_mib = 1024 * k_kib;
constexpr std::size_t k_buffer_size = 4 * k_mib;
// 2021-01-01T00:00:00Z; mtimes fall in the three years after it.
constexpr std::int64_t k_base_time = 1609459200;
constexpr std::int64_t k_time_span = 3 * 365 * 86400;

class Failure {
public:
  explicit Failure(std::string message) : m_message(std::move(message)) {}
  const std::string& message() const { return m_message; }

private:
  std::string m_message;
};

[[noreturn]] void fail_errno(std::string_view what, const std::string& path) {
  throw Failure(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman and Vigna), seeded through splitmix64.
class Rng {
public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : m_state)
      word = splitmix64(seed);
  }
  Rng(std::uint64_t seed, std::uint64_t stream) : Rng(seed * 0x9e3779b97f4a7c15ULL ^ stream) {}

  std::uint64_t next() {
    const std::uint64_t result = rotl(m_state[1] * 5, 7) * 9;
    const std::uint64_t t = m_state[1] << 17;
    m_state[2] ^= m_state[0];
    m_state[3] ^= m_state[1];
    m_state[1] ^= m_state[2];
    m_state[0] ^= m_state[3];
    m_state[2] ^= t;
    m_state[3] = rotl(m_state[3], 45);
    return result;
  }
  // Uniform enough in [0, n) for a corpus (modulo bias is irrelevant here).
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  bool chance(unsigned percent) { return below(100) < percent; }

private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> m_state{};
};

constexpr std::array<std::string_view, 64> k_words = {
    "backup",  "archive", "stage",  "store",     "collect", "purge",       "disc",    "media",
    "peer",    "master",  "client", "daily",     "weekly",  "incremental", "full",    "digest",
    "the",     "a",       "of",     "and",       "to",      "in",          "is",      "for",
    "on",      "with",    "that",   "this",      "config",  "value",       "error",   "warning",
    "info",    "debug",   "file",   "directory", "link",    "mode",        "user",    "group",
    "owner",   "time",    "size",   "bytes",     "kernel",  "module",      "package", "version",
    "install", "remove",  "update", "server",    "host",    "port",        "address", "network",
    "report",  "table",   "index",  "record",    "entry",   "line",        "page",    "word"};

constexpr std::array<std::string_view, 12> k_odd_names = {
    "my documents", "Übersicht", "café menu",        "naïve notes",   "日本語",      "año 2023",
    "résumé final", "два слова", "with  two spaces", "trailing dot.", "-dash first", "ελληνικά"};

struct Options {
  std::string out;
  std::uint64_t seed = 1;
  std::uint64_t size_mb = 1024;
  std::optional<std::uint64_t> files;
  bool small_profile = false;
  bool help = false;
};

struct Summary {
  std::uint64_t files = 0;
  std::uint64_t dirs = 0;
  std::uint64_t empty_dirs = 0;
  std::uint64_t symlinks = 0;
  std::uint64_t dangling = 0;
  std::uint64_t hardlinks = 0;
  std::uint64_t bytes = 0;
  std::uint64_t max_depth = 0;
};

// A planned directory: its path relative to the root and its depth.
struct Dir {
  std::string path;
  std::uint64_t depth = 0;
};

// A written regular file, kept for hard and symbolic links.
struct File {
  std::string path; // relative to the root
};

std::string join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

std::int64_t pick_time(Rng& rng) {
  return k_base_time + static_cast<std::int64_t>(rng.below(k_time_span));
}

void set_mtime(const std::string& path, std::int64_t seconds) {
  timespec times[2];
  times[0].tv_sec = seconds;
  times[0].tv_nsec = 0;
  times[1] = times[0];
  if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
    fail_errno("cannot set the time of", path);
}

// Fills `out` with text-like content: words from a fixed vocabulary, lines
// of 4–14 words, and now and then a line repeated from a few lines earlier
// (as in logs and configuration files). `recent` carries lines across calls.
class TextSource {
public:
  explicit TextSource(Rng& rng) : m_rng(rng) {}

  void fill(char* out, std::size_t size) {
    std::size_t used = 0;
    while (used < size) {
      if (m_pending.empty())
        m_pending = next_line();
      const std::size_t take = std::min(size - used, m_pending.size() - m_offset);
      std::memcpy(out + used, m_pending.data() + m_offset, take);
      used += take;
      m_offset += take;
      if (m_offset == m_pending.size()) {
        m_pending.clear();
        m_offset = 0;
      }
    }
  }

private:
  std::string next_line() {
    if (m_recent.size() == m_recent_cap && m_rng.chance(30))
      return m_recent[m_rng.below(m_recent.size())];
    std::string line;
    const std::uint64_t words = m_rng.between(4, 14);
    for (std::uint64_t i = 0; i < words; ++i) {
      const std::uint64_t r = m_rng.next();
      line += k_words[r % k_words.size()];
      if ((r >> 32) % 7 == 0)
        line += fmt::format("={}", (r >> 40) % 10000);
      line += i + 1 == words ? '\n' : ' ';
    }
    if (m_recent.size() < m_recent_cap)
      m_recent.push_back(line);
    else
      m_recent[m_rng.below(m_recent_cap)] = line;
    return line;
  }

  static constexpr std::size_t m_recent_cap = 16;
  Rng& m_rng;
  std::vector<std::string> m_recent;
  std::string m_pending;
  std::size_t m_offset = 0;
};

void fill_random(Rng& rng, char* out, std::size_t size) {
  std::size_t used = 0;
  while (used < size) {
    const std::uint64_t word = rng.next();
    const std::size_t take = std::min(size - used, sizeof word);
    std::memcpy(out + used, &word, take);
    used += take;
  }
}

// Writes `size` bytes to `path`, text-like or random, from the generator of
// file number `index`; sets its mode and mtime.
void write_file(const Options& options, std::vector<char>& buffer, const std::string& path,
                std::uint64_t index, std::uint64_t size, bool text) {
  Rng rng(options.seed, index + 1);
  TextSource source(rng);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    fail_errno("cannot create", path);
  std::uint64_t left = size;
  while (left > 0) {
    const std::size_t chunk =
        static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
    if (text)
      source.fill(buffer.data(), chunk);
    else
      fill_random(rng, buffer.data(), chunk);
    std::size_t done = 0;
    while (done < chunk) {
      const ssize_t n = ::write(fd, buffer.data() + done, chunk - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        ::close(fd);
        fail_errno("cannot write", path);
      }
      done += static_cast<std::size_t>(n);
    }
    left -= chunk;
  }
  if (::close(fd) != 0)
    fail_errno("cannot close", path);
  if (rng.chance(10) && ::chmod(path.c_str(), 0600) != 0)
    fail_errno("cannot chmod", path);
  set_mtime(path, pick_time(rng));
}

// Plans the directories: a random tree, one branch at least 14 deep, some
// odd names. Parents always come before their children.
std::vector<Dir> plan_dirs(Rng& rng, std::uint64_t count) {
  std::vector<Dir> dirs{{"", 0}};
  std::string deep;
  for (std::uint64_t depth = 1; depth <= 14; ++depth) {
    deep = join(deep, fmt::format("deep{:02}", depth));
    dirs.push_back({deep, depth});
  }
  while (dirs.size() < count) {
    const Dir& parent = dirs[rng.below(dirs.size())];
    if (parent.depth >= 8 && !rng.chance(5))
      continue;
    const std::uint64_t r = rng.next();
    std::string name = r % 23 == 0 ? std::string(k_odd_names[(r >> 8) % k_odd_names.size()])
                                   : std::string(k_words[(r >> 8) % k_words.size()]);
    name += fmt::format("_{}", dirs.size());
    dirs.push_back({join(parent.path, name), parent.depth + 1});
  }
  return dirs;
}

std::string file_name(Rng& rng, std::uint64_t index, bool text) {
  const std::uint64_t r = rng.next();
  static constexpr std::array<std::string_view, 4> text_ext = {".txt", ".log", ".conf", ".c"};
  static constexpr std::array<std::string_view, 4> bin_ext = {".jpg", ".gz", ".bin", ".dat"};
  const auto ext = text ? text_ext[r % 4] : bin_ext[r % 4];
  if (r % 97 == 0)
    return fmt::format("{} {}{}", k_odd_names[(r >> 8) % k_odd_names.size()], index, ext);
  if (r % 11 == 0)
    return fmt::format("{} copy {}{}", k_words[(r >> 8) % k_words.size()], index, ext);
  return fmt::format("{}_{}{}", k_words[(r >> 8) % k_words.size()], index, ext);
}

// What the plan holds besides directories: each file's size and kind.
struct FileSpec {
  std::uint64_t size = 0;
  bool text = true;
};

std::vector<FileSpec> plan_files(Rng& rng, const Options& options) {
  std::vector<FileSpec> specs;
  if (options.small_profile) {
    const std::uint64_t count = options.files.value_or(100000);
    for (std::uint64_t i = 0; i < count; ++i)
      specs.push_back({rng.below(2 * k_kib + 1), !rng.chance(10)});
    return specs;
  }
  // 60 % of the bytes in large files, 40 % in small ones. Small sizes are
  // skewed towards zero (64 KiB × u²: a mean near 21 KiB).
  const std::uint64_t total = options.size_mb * k_mib;
  std::uint64_t large_left = total / 10 * 6;
  // Large files alternate text and random bytes: with only a few of them a
  // coin toss would swing the compression ratio from one seed to another.
  while (large_left >= k_mib) {
    const std::uint64_t size = std::min(large_left, rng.between(k_mib, 64 * k_mib));
    specs.push_back({size, specs.size() % 2 == 0});
    large_left -= size;
  }
  std::uint64_t small_left = total - (total / 10 * 6 - large_left);
  std::uint64_t count = 0;
  while (options.files ? count < *options.files : small_left > 0) {
    const std::uint64_t u = rng.below(1 << 16);
    std::uint64_t size = (u * u) >> 16;
    if (!options.files)
      size = std::min(size, small_left);
    specs.push_back({size, !rng.chance(30)});
    small_left -= std::min(size, small_left);
    ++count;
  }
  return specs;
}

struct Corpus {
  std::string root;
  std::vector<Dir> dirs;
  std::vector<File> files;
  std::uint64_t usable_dirs = 0; // the first ones; the others stay empty
  Summary summary;
};

void make_dirs(Corpus& corpus) {
  for (const Dir& dir : corpus.dirs) {
    if (dir.path.empty())
      continue;
    const std::string full = join(corpus.root, dir.path);
    if (::mkdir(full.c_str(), 0755) != 0)
      fail_errno("cannot create directory", full);
    corpus.summary.max_depth = std::max(corpus.summary.max_depth, dir.depth);
  }
  corpus.summary.dirs = corpus.dirs.size() - 1;
}

void write_files(Corpus& corpus, Rng& rng, const Options& options,
                 const std::vector<FileSpec>& specs) {
  std::vector<char> buffer(k_buffer_size);
  // The last 5 % of dirs stay empty (they are leaves or hold only empty
  // dirs: they were planned last).
  const std::uint64_t usable =
      std::max<std::uint64_t>(1, corpus.dirs.size() - corpus.dirs.size() / 20);
  corpus.usable_dirs = usable;
  for (std::uint64_t i = 0; i < specs.size(); ++i) {
    const std::uint64_t dir = rng.below(usable);
    const std::string rel = join(corpus.dirs[dir].path, file_name(rng, i, specs[i].text));
    write_file(options, buffer, join(corpus.root, rel), i, specs[i].size, specs[i].text);
    corpus.files.push_back({rel});
    corpus.summary.bytes += specs[i].size;
  }
  corpus.summary.files = specs.size();
  for (std::uint64_t d = usable; d < corpus.dirs.size(); ++d) {
    const std::string& path = corpus.dirs[d].path;
    const bool is_parent = std::any_of(corpus.dirs.begin() + static_cast<std::ptrdiff_t>(d) + 1,
                                       corpus.dirs.end(), [&](const Dir& other) {
                                         return other.path.size() > path.size() &&
                                                other.path.compare(0, path.size(), path) == 0 &&
                                                other.path[path.size()] == '/';
                                       });
    if (!is_parent)
      ++corpus.summary.empty_dirs;
  }
}

// The relative path from directory `from` to `to` (both relative to the root).
std::string relative(const std::string& from, const std::string& to) {
  std::string up;
  if (!from.empty()) {
    const auto depth = static_cast<std::size_t>(std::count(from.begin(), from.end(), '/')) + 1;
    for (std::size_t i = 0; i < depth; ++i)
      up += "../";
  }
  return up + to;
}

void make_links(Corpus& corpus, Rng& rng) {
  if (corpus.files.empty())
    return;
  const std::uint64_t count = std::max<std::uint64_t>(8, corpus.files.size() / 200);
  for (std::uint64_t i = 0; i < count; ++i) {
    const Dir& where = corpus.dirs[rng.below(corpus.usable_dirs)];
    const std::uint64_t kind = rng.below(10);
    std::string target;
    if (kind < 5) {
      target = relative(where.path, corpus.files[rng.below(corpus.files.size())].path);
    } else if (kind < 8) {
      const Dir& to = corpus.dirs[1 + rng.below(corpus.dirs.size() - 1)];
      target = relative(where.path, to.path);
    } else {
      target = fmt::format("missing/target_{}", i);
      ++corpus.summary.dangling;
    }
    const std::string link = join(corpus.root, join(where.path, fmt::format("link {}", i)));
    if (::symlink(target.c_str(), link.c_str()) != 0)
      fail_errno("cannot create symlink", link);
    set_mtime(link, pick_time(rng));
    ++corpus.summary.symlinks;
  }
  for (std::uint64_t i = 0; i < count / 2; ++i) {
    const File& file = corpus.files[rng.below(corpus.files.size())];
    const Dir& where = corpus.dirs[rng.below(corpus.usable_dirs)];
    const std::string from = join(corpus.root, file.path);
    const std::string link = join(corpus.root, join(where.path, fmt::format("hard link {}", i)));
    if (::link(from.c_str(), link.c_str()) != 0)
      fail_errno("cannot create hard link", link);
    ++corpus.summary.hardlinks;
  }
}

// Directory mtimes last, children before parents, once nothing more is
// written inside them.
void set_dir_times(const Corpus& corpus, Rng& rng) {
  std::vector<std::int64_t> times;
  for (std::size_t i = 0; i < corpus.dirs.size(); ++i)
    times.push_back(pick_time(rng));
  for (std::size_t i = corpus.dirs.size(); i-- > 0;)
    set_mtime(join(corpus.root, corpus.dirs[i].path), times[i]);
}

void check_out_dir(const std::string& out) {
  if (::mkdir(out.c_str(), 0755) == 0)
    return;
  if (errno != EEXIST)
    fail_errno("cannot create", out);
  if (::rmdir(out.c_str()) != 0) {
    if (errno == ENOTEMPTY || errno == EEXIST)
      throw Failure(fmt::format("{} is not empty", out));
    fail_errno("cannot use", out);
  }
  if (::mkdir(out.c_str(), 0755) != 0)
    fail_errno("cannot create", out);
}

Summary generate(const Options& options) {
  check_out_dir(options.out);
  Rng rng(options.seed);
  const std::vector<FileSpec> specs = plan_files(rng, options);
  const std::uint64_t dir_count =
      std::max<std::uint64_t>(32, options.small_profile ? specs.size() / 150 : specs.size() / 12);
  Corpus corpus;
  corpus.root = options.out;
  corpus.dirs = plan_dirs(rng, dir_count);
  make_dirs(corpus);
  write_files(corpus, rng, options, specs);
  make_links(corpus, rng);
  set_dir_times(corpus, rng);
  return corpus.summary;
}

std::uint64_t parse_number(std::string_view flag, std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size())
    throw Failure(fmt::format("{} needs a number, not [{}]", flag, text));
  return value;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      options.help = true;
      return options;
    }
    if (i + 1 >= argc)
      throw Failure(fmt::format("{} needs a value (or is unknown)", flag));
    const std::string_view value = argv[++i];
    if (flag == "--out")
      options.out = std::string(value);
    else if (flag == "--seed")
      options.seed = parse_number(flag, value);
    else if (flag == "--size")
      options.size_mb = parse_number(flag, value);
    else if (flag == "--files")
      options.files = parse_number(flag, value);
    else if (flag == "--profile" && (value == "mixed" || value == "small"))
      options.small_profile = value == "small";
    else
      throw Failure(fmt::format("unknown option or value: {} {}", flag, value));
  }
  if (options.out.empty())
    throw Failure("--out DIR is required");
  return options;
}

} // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    options = parse(argc, argv);
  } catch (const Failure& failure) {
    fmt::print(stderr, "cback-corpus: {}\n{}", failure.message(), k_usage);
    return 2;
  }
  if (options.help) {
    fmt::print("{}", k_usage);
    return 0;
  }
  // Modes must not depend on the caller's umask.
  ::umask(022);
  try {
    const Summary s = generate(options);
    fmt::print("cback-corpus: seed {}, profile {}, in {}\n", options.seed,
               options.small_profile ? "small" : "mixed", options.out);
    fmt::print("files {}\ndirs {}\nempty_dirs {}\nmax_depth {}\nsymlinks {}\ndangling "
               "{}\nhardlinks {}\nbytes {}\n",
               s.files, s.dirs, s.empty_dirs, s.max_depth, s.symlinks, s.dangling, s.hardlinks,
               s.bytes);
  } catch (const Failure& failure) {
    fmt::print(stderr, "cback-corpus: {}\n", failure.message());
    return 1;
  }
  return 0;
}
