#include <cback/collect/state.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace cback::collect {
namespace {

Entry entry(const std::string& path, EntryKind kind = EntryKind::file, std::int64_t size = 10) {
  Entry e;
  e.path = path;
  e.kind = kind;
  e.stat.size = size;
  e.stat.mtime_ns = 1'700'000'000'000'000'001;
  e.stat.ctime_ns = 1'700'000'000'000'000'002;
  e.stat.ino = 42;
  e.stat.mode = (kind == EntryKind::directory ? S_IFDIR : S_IFREG) | 0644;
  return e;
}

using Records = std::vector<std::pair<std::string, Fingerprint>>;

Records records_of(const std::vector<Entry>& entries) {
  Records out;
  for (const auto& e : entries) {
    out.emplace_back(e.path, Fingerprint::of(e));
  }
  return out;
}

/// Writes `records` (in the order given) with a StateWriter to DIR/NAME.
std::string write_state(const test::TempDir& tmp, const Records& records,
                        const std::string& name = "item.state") {
  const auto path = (tmp / name).string();
  StateWriter writer(path);
  for (const auto& [p, print] : records) {
    writer.add(p, print);
  }
  writer.commit();
  return path;
}

StateFile open_state(const std::string& path) {
  auto state = StateFile::open(path);
  REQUIRE(state);
  return std::move(*state);
}

Records all_records(const StateFile& state) {
  Records out;
  for (std::size_t i = 0; i < state.size(); ++i) {
    const auto record = state.record(i);
    out.emplace_back(std::string(record.path), record.print);
  }
  return out;
}

std::vector<std::string> paths(const Records& records) {
  std::vector<std::string> out;
  for (const auto& record : records) {
    out.push_back(record.first);
  }
  return out;
}

/// What one incremental comparison decided, gathered for assertions.
struct Changes {
  std::vector<std::string> changed;
  std::vector<std::string> deleted;
  Records next;
  std::vector<Problem> problems;
  bool same = false;
};

Changes detect(const std::vector<Entry>& entries, const StateFile& base,
               ChangeBasis basis = ChangeBasis::stat, const ContentHasher& hasher = hash_entry) {
  ChangeDetector detector(base, basis, hasher);
  Changes out;
  for (const auto& e : entries) {
    const auto verdict = detector.check(e, out.problems);
    if (verdict.changed) {
      out.changed.push_back(e.path);
    }
    out.next.emplace_back(e.path, verdict.print);
  }
  out.deleted = detector.deleted();
  out.same = detector.same_as_base();
  return out;
}

/// A content hasher that hashes the path and a version, so tests choose
/// when "content" changes without touching files.
ContentHasher fake_hasher(const std::string& changed_path) {
  return [changed_path](const Entry& e) -> tl::expected<core::Digest, std::string> {
    return core::sha256(e.path == changed_path ? e.path + "-v2" : e.path);
  };
}

TEST_CASE("A state survives writing and reading, with odd names and digests", "[collect][state]") {
  test::TempDir tmp;
  auto print = Fingerprint::of(entry("/x"));
  Records records;
  records.emplace_back("/srv/a b", print);
  records.emplace_back("/srv/new\nline\\back\x7f", print);
  records.emplace_back("/srv/bad\xff\xfename", print);
  print.digest = core::sha256("content");
  print.kind = EntryKind::symlink;
  print.mtime_ns = -5; // before 1970
  records.emplace_back("/srv/link", print);
  const auto path = write_state(tmp, records);
  const auto loaded = load_state(path);
  REQUIRE_FALSE(loaded.problem.has_value());
  CHECK_FALSE(loaded.migrated);
  auto sorted = records;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return path_less(a.first, b.first); });
  CHECK(all_records(loaded.state) == sorted);
}

TEST_CASE("Records are kept in walk order, whatever order they were added in", "[collect][state]") {
  test::TempDir tmp;
  // Walk order: a directory's contents right after it ("/a/b/x" before "/a/b.txt").
  const auto in_order = write_state(
      tmp,
      records_of({entry("/a", EntryKind::directory), entry("/a/b", EntryKind::directory),
                  entry("/a/b/x"), entry("/a/b.txt")}),
      "in-order.state");
  const std::vector<std::string> expected{"/a", "/a/b", "/a/b/x", "/a/b.txt"};
  CHECK(paths(all_records(open_state(in_order))) == expected);

  // Two units (a sub-item first, as recursion levels deliver them) and a
  // duplicate: the index is sorted and the first record of a path wins.
  auto first_x = entry("/a/b/x");
  first_x.stat.size = 1;
  auto second_x = entry("/a/b/x");
  second_x.stat.size = 2;
  const auto mixed =
      write_state(tmp,
                  records_of({entry("/a/b", EntryKind::directory), first_x,
                              entry("/a", EntryKind::directory), entry("/a/b.txt"), second_x}),
                  "mixed.state");
  const auto state = open_state(mixed);
  CHECK(paths(all_records(state)) == expected);
  CHECK(state.record(2).print.size == 1);
}

TEST_CASE("The state file layout is the documented one", "[collect][state]") {
  test::TempDir tmp;
  const auto path = write_state(tmp, records_of({entry("/d", EntryKind::directory, 4096)}));
  const auto bytes = test::read_file(tmp / "item.state");
  // header 64 + record 48 + "/d" 2 + index 8
  REQUIRE(bytes.size() == 64 + 48 + 2 + 8);
  CHECK(bytes.substr(0, 8) == std::string("CBSTATE\0", 8));
  const auto u64_at = [&](std::size_t at) {
    std::uint64_t value = 0;
    std::memcpy(&value, bytes.data() + at, 8);
    return value;
  };
  CHECK(u64_at(8) == (std::uint64_t{64} << 32 | 2));          // version 2, header size 64
  CHECK(u64_at(16) == 1);                                     // one record
  CHECK(u64_at(24) == 64 + 48 + 2);                           // the index follows the records
  CHECK(u64_at(64 + 48 + 2) == 64);                           // the record is at 64
  CHECK(bytes.substr(64, 4) == std::string("\x02\0\0\0", 4)); // path length
  CHECK(bytes[68] == 'd');
  CHECK(u64_at(72) == 4096);                         // size
  CHECK(u64_at(80) == 1'700'000'000'000'000'001ULL); // mtime
  CHECK(bytes.substr(112, 2) == "/d");
  CHECK(core::sha256(std::string_view(bytes).substr(64)) == [&] {
    core::Digest digest{};
    std::memcpy(digest.data(), bytes.data() + 32, 32);
    return digest;
  }());
}

TEST_CASE("A missing state is empty; a corrupt or truncated one is empty and reported",
          "[collect][state]") {
  test::TempDir tmp;
  const auto missing = load_state((tmp / "none.state").string());
  CHECK(missing.state.empty());
  CHECK_FALSE(missing.problem.has_value());

  (void)write_state(tmp, records_of({entry("/a"), entry("/b")}), "good.state");
  const auto good = test::read_file(tmp / "good.state");
  std::vector<std::pair<std::string, std::string>> corrupt = {
      {"empty", ""},
      {"garbage", "garbage"},
      {"half a header", good.substr(0, 30)},
      {"truncated index", good.substr(0, good.size() - 1)},
      {"truncated records", good.substr(0, 100)},
      {"data after the end", good + "x"},
      {"unknown version", good.substr(0, 8) + "\x03" + good.substr(9)},
  };
  auto flipped = good;
  flipped[70] = static_cast<char>(flipped[70] ^ 0x01); // a size bit
  corrupt.emplace_back("a flipped bit", flipped);
  auto count = good;
  count[16] = '\x03';
  corrupt.emplace_back("a wrong count", count);
  for (const auto& [what, text] : corrupt) {
    INFO(what);
    const auto path = tmp.write("bad.state", text);
    const auto loaded = load_state(path.string());
    CHECK(loaded.state.empty());
    REQUIRE(loaded.problem.has_value());
    CHECK(loaded.problem->path == path.string());
    CHECK_THAT(loaded.problem->message, Catch::Contains("corrupt"));
  }
}

TEST_CASE("A state in the text format of version 1 is read once to migrate", "[collect][state]") {
  test::TempDir tmp;
  const auto path =
      tmp.write("old.state", "cback-state 1\n"
                             "d 4096 1700000000000000001 1700000000000000002 42 40755 - /etc\n"
                             "f 1234 1700000000000000001 1700000000000000002 43 100644 - "
                             "/etc/a b\\x0aline\n"
                             "l 9 -5 1700000000000000002 44 120777 " +
                                 core::to_hex(core::sha256("x")) +
                                 " /etc/mtab\n"
                                 "end 3\n");
  const auto loaded = load_state(path.string());
  REQUIRE_FALSE(loaded.problem.has_value());
  CHECK(loaded.migrated);
  const auto records = all_records(loaded.state);
  CHECK(paths(records) == std::vector<std::string>{"/etc", "/etc/a b\nline", "/etc/mtab"});
  CHECK(records[0].second.mode == 040755);
  CHECK(records[1].second.size == 1234);
  CHECK(records[2].second.kind == EntryKind::symlink);
  CHECK(records[2].second.mtime_ns == -5);
  CHECK(records[2].second.digest == core::sha256("x"));

  const std::vector<std::string> bad_text = {
      "cback-state 1\nf 1 2 3 4 644 - /a\n",                            // no end line
      "cback-state 1\nf x 2 3 4 644 - /a\nend 1\n",                     // bad number
      "cback-state 1\nq 1 2 3 4 644 - /a\nend 1\n",                     // bad kind
      "cback-state 1\nf 1 2 3 4 644 - /a\\q\nend 1\n",                  // bad escape
      "cback-state 1\nf 1 2 3 4 644 - /a\nf 1 2 3 4 644 - /a\nend 2\n", // duplicate
  };
  for (const auto& text : bad_text) {
    INFO(text);
    const auto bad = tmp.write("bad.state", text);
    const auto failed = load_state(bad.string());
    CHECK(failed.state.empty());
    REQUIRE(failed.problem.has_value());
    CHECK(failed.problem->path == bad.string());
  }
}

TEST_CASE("Saving is atomic and leaves no partial file", "[collect][state]") {
  test::TempDir tmp;
  const auto path = (tmp / "item.state").string();
  const auto a = Fingerprint::of(entry("/a"));
  REQUIRE(save_state(path, {StateRecord{"/a", a}}));
  CHECK_FALSE(std::filesystem::exists(path + ".partial"));
  CHECK(all_records(load_state(path).state) == Records{{"/a", a}});
  REQUIRE(save_state(path, {StateRecord{"/b", a}, StateRecord{"/a", a}}));
  CHECK(load_state(path).state.size() == 2);
  CHECK(std::distance(std::filesystem::directory_iterator(tmp.path()),
                      std::filesystem::directory_iterator{}) == 1);
  {
    StateWriter abandoned(path);
    abandoned.add("/c", a);
  } // never committed: the old state stays, no partial file
  CHECK(load_state(path).state.size() == 2);
  CHECK_FALSE(std::filesystem::exists(path + ".partial"));

  const auto failed = save_state((tmp / "no/such/dir/x.state").string(), {});
  REQUIRE_FALSE(failed);
  CHECK_THAT(failed.error(), Catch::Contains("no/such/dir/x.state"));
}

TEST_CASE("A writer given its base writes nothing while the walk matches it", "[collect][state]") {
  test::TempDir tmp;
  std::vector<Entry> entries;
  for (int i = 0; i < 3000; ++i) { // more than one write buffer of records
    entries.push_back(entry(fmt::format("/t/{:04}/some/longer/path/name/{:0200}", i, i)));
  }
  const auto base_records = records_of(entries);
  const auto base = open_state(write_state(tmp, base_records, "base.state"));
  const auto path = (tmp / "next.state").string();
  const auto partial = path + ".partial";

  SECTION("the same records: no file, and same_as_base") {
    StateWriter writer(path, &base);
    for (const auto& [p, print] : base_records) {
      writer.add(p, print);
      CHECK_FALSE(std::filesystem::exists(partial));
    }
    CHECK(writer.same_as_base());
  }
  SECTION("a prefix of them is not the base") {
    StateWriter writer(path, &base);
    writer.add(base_records[0].first, base_records[0].second);
    CHECK_FALSE(writer.same_as_base());
    CHECK_FALSE(std::filesystem::exists(partial));
  }
  SECTION("committed unchanged, the file holds the base") {
    StateWriter writer(path, &base);
    for (const auto& [p, print] : base_records) {
      writer.add(p, print);
    }
    writer.commit();
    CHECK(all_records(open_state(path)) == base_records);
  }
  SECTION("a difference late in the walk: the matched records are written before it") {
    auto changed = base_records;
    changed[2500].second.size += 1;
    changed.emplace(changed.begin() + 2800, "/t/2799/new", changed[0].second);
    StateWriter writer(path, &base);
    for (std::size_t i = 0; i < changed.size(); ++i) {
      writer.add(changed[i].first, changed[i].second);
      CHECK(std::filesystem::exists(partial) == (i >= 2500));
    }
    CHECK_FALSE(writer.same_as_base());
    writer.commit();
    auto expected = changed;
    std::sort(expected.begin(), expected.end(),
              [](const auto& a, const auto& b) { return path_less(a.first, b.first); });
    CHECK(all_records(open_state(path)) == expected);
  }
  SECTION("more records than the base, or records out of its order") {
    auto reordered = base_records;
    std::swap(reordered[10], reordered[11]);
    reordered.emplace_back("/u", reordered[0].second);
    StateWriter writer(path, &base);
    for (const auto& [p, print] : reordered) {
      writer.add(p, print);
    }
    CHECK_FALSE(writer.same_as_base());
    writer.commit();
    CHECK(all_records(open_state(path)).size() == reordered.size());
  }
}

TEST_CASE("Lookups find paths ahead of the walk and behind it", "[collect][state]") {
  test::TempDir tmp;
  std::vector<Entry> entries;
  for (int i = 0; i < 1000; ++i) {
    entries.push_back(entry(fmt::format("/t/{:04}", i)));
  }
  const auto state = open_state(write_state(tmp, records_of(entries)));
  std::size_t hint = 0;
  CHECK(state.find("/t/0000", hint) == 0U);
  CHECK(hint == 1);
  CHECK(state.find("/t/0500", hint) == 500U); // ahead: galloping
  CHECK(hint == 501);
  state.release_before(hint);
  CHECK(state.find("/t/0003", hint) == 3U); // behind the hint, after a release
  CHECK(hint == 501);
  CHECK_FALSE(state.find("/t/0500x", hint).has_value());
  CHECK(hint == 501);
  CHECK_FALSE(state.find("/u", hint).has_value());
  CHECK(hint == 1000);
  CHECK(state.find("/t/0999", hint) == 999U);
}

TEST_CASE("Each stat field marks a path changed", "[collect][state][changes]") {
  test::TempDir tmp;
  const auto current = entry("/f");
  const std::vector<std::pair<const char*, void (*)(Fingerprint&)>> fields = {
      {"size", [](Fingerprint& p) { ++p.size; }},
      {"mtime", [](Fingerprint& p) { ++p.mtime_ns; }},
      {"ctime", [](Fingerprint& p) { ++p.ctime_ns; }},
      {"inode", [](Fingerprint& p) { ++p.inode; }},
      {"mode", [](Fingerprint& p) { p.mode ^= 0100; }},
      {"kind", [](Fingerprint& p) { p.kind = EntryKind::symlink; }},
  };
  for (const auto& [name, alter] : fields) {
    INFO(name);
    auto print = Fingerprint::of(current);
    alter(print);
    const auto previous = open_state(write_state(tmp, {{"/f", print}}));
    const auto changes = detect({current}, previous);
    CHECK(changes.changed == std::vector<std::string>{"/f"});
    CHECK(changes.next == records_of({current}));
    CHECK_FALSE(changes.same);
  }
  const auto same = detect({current}, open_state(write_state(tmp, records_of({current}))));
  CHECK(same.changed.empty());
  CHECK(same.same);
}

TEST_CASE("New, unchanged and deleted paths are told apart", "[collect][state][changes]") {
  test::TempDir tmp;
  const auto kept = entry("/d/kept");
  const auto dir = entry("/d", EntryKind::directory);
  const auto previous = open_state(
      write_state(tmp, records_of({dir, kept, entry("/d/gone"), entry("/d/also gone")})));
  const auto changes = detect({dir, kept, entry("/d/new")}, previous);
  CHECK(changes.changed == std::vector<std::string>{"/d/new"});
  CHECK(changes.deleted == std::vector<std::string>{"/d/also gone", "/d/gone"});
  CHECK_FALSE(changes.same);
  // Listing part of the base, or a path twice, is not "the same" either.
  const auto pair = open_state(write_state(tmp, records_of({dir, kept}), "pair.state"));
  CHECK(detect({dir, kept}, pair).same);
  CHECK_FALSE(detect({dir}, pair).same);
  CHECK_FALSE(detect({dir, kept, kept}, pair).same);
}

TEST_CASE("A path that changed kind is changed and deleted, and so is what was below it",
          "[collect][state][changes]") {
  test::TempDir tmp;
  const auto root = entry("/r", EntryKind::directory);
  const auto previous = open_state(
      write_state(tmp, records_of({root, entry("/r/d", EntryKind::directory), entry("/r/d/inner"),
                                   entry("/r/d/sub", EntryKind::directory), entry("/r/d/sub/deep"),
                                   entry("/r/f"), entry("/r/l"), entry("/r/same")})));
  // d: a directory, now a file; f: a file, now a directory with a file;
  // l: a file, now a symlink.
  const auto changes =
      detect({root, entry("/r/d"), entry("/r/f", EntryKind::directory), entry("/r/f/new"),
              entry("/r/l", EntryKind::symlink), entry("/r/same")},
             previous);
  CHECK(changes.changed == std::vector<std::string>{"/r/d", "/r/f", "/r/f/new", "/r/l"});
  CHECK(changes.deleted == std::vector<std::string>{"/r/d", "/r/d/inner", "/r/d/sub",
                                                    "/r/d/sub/deep", "/r/f", "/r/l"});
  CHECK_FALSE(changes.same);
  // Content mode too: a file's digest says nothing about a directory.
  const auto content = detect({root, entry("/r/d"), entry("/r/f", EntryKind::directory),
                               entry("/r/l", EntryKind::symlink), entry("/r/same")},
                              previous, ChangeBasis::content, fake_hasher(""));
  CHECK(content.deleted == changes.deleted);
}

TEST_CASE("An empty base makes every entry new", "[collect][state][changes]") {
  const StateFile empty;
  const auto changes = detect({entry("/f"), entry("/g")}, empty);
  CHECK(changes.changed == std::vector<std::string>{"/f", "/g"});
  CHECK(changes.deleted.empty());
  CHECK_FALSE(changes.same);
}

TEST_CASE("Content mode compares digests of regular files only", "[collect][state][changes]") {
  test::TempDir tmp;
  auto touched = entry("/touched");
  auto edited = entry("/edited");
  const auto dir = entry("/dir", EntryKind::directory);
  const StateFile empty;
  const auto first = detect({touched, edited, dir}, empty, ChangeBasis::content, fake_hasher(""));
  CHECK(first.changed.size() == 3);
  CHECK(first.next[1].second.digest == core::sha256("/edited"));
  CHECK_FALSE(first.next[2].second.digest.has_value());
  const auto base = open_state(write_state(tmp, first.next));

  touched.stat.mtime_ns += 5; // same content: not changed in content mode
  auto moved_dir = dir;
  moved_dir.stat.mtime_ns += 5; // directories compare by stat
  const auto second =
      detect({touched, edited, moved_dir}, base, ChangeBasis::content, fake_hasher("/edited"));
  CHECK(second.changed == std::vector<std::string>{"/edited", "/dir"});
  CHECK(second.next[1].second.digest == core::sha256("/edited-v2"));
}

TEST_CASE("A file that cannot be hashed is archived and reported", "[collect][state][changes]") {
  test::TempDir tmp;
  const auto e = entry("/f");
  const auto previous = open_state(write_state(tmp, records_of({e})));
  const auto failing = [](const Entry&) -> tl::expected<core::Digest, std::string> {
    return tl::unexpected(std::string("cannot read [/f]: Permission denied"));
  };
  const auto changes = detect({e}, previous, ChangeBasis::content, failing);
  CHECK(changes.changed == std::vector<std::string>{"/f"});
  REQUIRE(changes.problems.size() == 1);
  CHECK(changes.problems[0].path == "/f");
}

TEST_CASE("Content mode hashes real files", "[collect][state][changes]") {
  test::TempDir tmp;
  const auto path = tmp.write("f", "one").string();
  Entry e;
  e.path = path;
  const StateFile empty;
  const auto first = detect({e}, empty, ChangeBasis::content);
  CHECK(first.next[0].second.digest == core::sha256("one"));
  const auto base = open_state(write_state(tmp, first.next));
  tmp.write("f", "two");
  CHECK(detect({e}, base, ChangeBasis::content).changed.size() == 1);
  tmp.write("f", "one");
  CHECK(detect({e}, base, ChangeBasis::content).changed.empty());
}

} // namespace
} // namespace cback::collect
