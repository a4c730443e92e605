#include <cback/collect/state.hpp>

#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>

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

State state_of(const std::vector<Entry>& entries) {
  State state;
  for (const auto& e : entries) {
    state.put(e.path, Fingerprint::of(e));
  }
  return state;
}

std::vector<std::string> paths(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) {
    out.push_back(e.path);
  }
  return out;
}

/// A content hasher that hashes the path and a version, so tests choose
/// when "content" changes without touching files.
ContentHasher fake_hasher(const std::string& changed_path) {
  return [changed_path](const Entry& e) -> tl::expected<Digest, std::string> {
    return sha256(e.path == changed_path ? e.path + "-v2" : e.path);
  };
}

TEST_CASE("SHA-256 digests match the standard test vector", "[collect][state][digest]") {
  CHECK(to_hex(sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  test::TempDir tmp;
  const auto file = tmp.write("abc", "abc");
  CHECK(sha256_file(file.string()).value() == sha256("abc"));
  CHECK_THAT(sha256_file((tmp / "missing").string()).error(), Catch::Contains("missing"));
  CHECK(digest_from_hex(to_hex(sha256("x"))) == sha256("x"));
  CHECK_FALSE(digest_from_hex("zz").has_value());
}

TEST_CASE("A state survives encoding, with odd names and digests", "[collect][state]") {
  State state;
  auto print = Fingerprint::of(entry("/x"));
  state.put("/srv/a b", print);
  state.put("/srv/new\nline\\back\x7f", print);
  state.put("/srv/bad\xff\xfename", print);
  print.digest = sha256("content");
  print.kind = EntryKind::symlink;
  print.mtime_ns = -5; // before 1970
  state.put("/srv/link", print);
  const auto text = encode_state(state);
  CHECK(text.starts_with("cback-state 1\n"));
  CHECK(text.ends_with("end 4\n"));
  CHECK(text.find("\\x0a") != std::string::npos);
  const auto decoded = decode_state(text);
  REQUIRE(decoded);
  CHECK(*decoded == state);
}

TEST_CASE("The state file format is the documented one", "[collect][state]") {
  State state;
  auto print = Fingerprint::of(entry("/d", EntryKind::directory, 4096));
  state.put("/d", print);
  CHECK(encode_state(state) == "cback-state 1\n"
                               "d 4096 1700000000000000001 1700000000000000002 42 40644 - /d\n"
                               "end 1\n");
}

TEST_CASE("A missing state is empty; a corrupt one is empty and reported", "[collect][state]") {
  test::TempDir tmp;
  const auto missing = load_state((tmp / "none.state").string());
  CHECK(missing.state.empty());
  CHECK_FALSE(missing.problem.has_value());

  State state;
  state.put("/a", Fingerprint::of(entry("/a")));
  state.put("/b", Fingerprint::of(entry("/b")));
  const auto good = encode_state(state);
  const std::vector<std::string> corrupt = {
      "",
      "garbage",
      good.substr(0, good.size() - 7),                                  // no end line
      good.substr(0, good.size() - 2) + "3\n",                          // wrong count
      good + "f 1 2 3 4 644 - /c\n",                                    // data after the end
      "cback-state 1\nf x 2 3 4 644 - /a\nend 1\n",                     // bad number
      "cback-state 1\nq 1 2 3 4 644 - /a\nend 1\n",                     // bad kind
      "cback-state 1\nf 1 2 3 4 644 abc /a\nend 1\n",                   // bad digest
      "cback-state 1\nf 1 2 3 4 644 - /a\\q\nend 1\n",                  // bad escape
      "cback-state 1\nf 1 2 3 4 644 - /a\nf 1 2 3 4 644 - /a\nend 2\n", // duplicate
      "cback-state 2\nend 0\n",                                         // unknown version
  };
  for (const auto& text : corrupt) {
    INFO("text: " << text);
    const auto path = tmp.write("bad.state", text);
    const auto loaded = load_state(path.string());
    CHECK(loaded.state.empty());
    REQUIRE(loaded.problem.has_value());
    CHECK(loaded.problem->path == path.string());
    CHECK_THAT(loaded.problem->message, Catch::Contains("corrupt"));
  }
}

TEST_CASE("Saving is atomic and leaves no partial file", "[collect][state]") {
  test::TempDir tmp;
  const auto path = (tmp / "item.state").string();
  State state;
  state.put("/a", Fingerprint::of(entry("/a")));
  REQUIRE(save_state(path, state));
  CHECK_FALSE(std::filesystem::exists(path + ".partial"));
  const auto loaded = load_state(path);
  CHECK_FALSE(loaded.problem.has_value());
  CHECK(loaded.state == state);

  state.put("/b", Fingerprint::of(entry("/b")));
  REQUIRE(save_state(path, state));
  CHECK(load_state(path).state.size() == 2);
  CHECK(std::distance(std::filesystem::directory_iterator(tmp.path()),
                      std::filesystem::directory_iterator{}) == 1);

  const auto failed = save_state((tmp / "no/such/dir/x.state").string(), state);
  REQUIRE_FALSE(failed);
  CHECK_THAT(failed.error(), Catch::Contains("no/such/dir/x.state"));
}

TEST_CASE("Each stat field marks a path changed", "[collect][state][changes]") {
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
    State previous;
    auto print = Fingerprint::of(current);
    alter(print);
    previous.put("/f", print);
    const auto changes = detect_changes({current}, previous, {});
    CHECK(paths(changes.changed) == std::vector<std::string>{"/f"});
    CHECK(changes.next == state_of({current}));
  }
  const auto same = detect_changes({current}, state_of({current}), {});
  CHECK(same.changed.empty());
  CHECK(same.next == state_of({current}));
}

TEST_CASE("New, unchanged and deleted paths are told apart", "[collect][state][changes]") {
  const auto kept = entry("/d/kept");
  const auto dir = entry("/d", EntryKind::directory);
  const auto previous = state_of({dir, kept, entry("/d/gone"), entry("/d/also gone")});
  const auto changes = detect_changes({dir, kept, entry("/d/new")}, previous, {});
  CHECK(paths(changes.changed) == std::vector<std::string>{"/d/new"});
  CHECK(changes.deleted == std::vector<std::string>{"/d/also gone", "/d/gone"});
  CHECK(changes.next == state_of({dir, kept, entry("/d/new")}));
}

TEST_CASE("Reset ignores the previous state", "[collect][state][changes]") {
  const auto e = entry("/f");
  const auto changes =
      detect_changes({e}, state_of({e, entry("/old")}),
                     IncrementalPolicy{ChangeBasis::stat, Cumulative::no, Reset::yes});
  CHECK(paths(changes.changed) == std::vector<std::string>{"/f"});
  CHECK(changes.deleted.empty());
  CHECK(changes.next == state_of({e}));
}

TEST_CASE("Cumulative incrementals compare with the week's first state and keep it",
          "[collect][state][changes]") {
  const IncrementalPolicy cumulative{ChangeBasis::stat, Cumulative::yes, Reset::no};
  const auto monday = state_of({entry("/a"), entry("/b")});
  auto b_changed = entry("/b");
  b_changed.stat.mtime_ns += 1;
  // Tuesday: /b changed. Wednesday: nothing more changed, /b is still listed.
  for (int day = 0; day < 2; ++day) {
    const auto changes = detect_changes({entry("/a"), b_changed, entry("/c")}, monday, cumulative);
    CHECK(paths(changes.changed) == std::vector<std::string>{"/b", "/c"});
    CHECK(changes.next == monday);
  }
  // The start of the week replaces the state.
  const auto reset =
      detect_changes({entry("/a"), b_changed}, monday,
                     IncrementalPolicy{ChangeBasis::stat, Cumulative::yes, Reset::yes});
  CHECK(reset.next == state_of({entry("/a"), b_changed}));
}

TEST_CASE("Content mode compares digests of regular files only", "[collect][state][changes]") {
  const IncrementalPolicy content{ChangeBasis::content, Cumulative::no, Reset::no};
  auto touched = entry("/touched");
  auto edited = entry("/edited");
  const auto dir = entry("/dir", EntryKind::directory);
  const auto first = detect_changes({touched, edited, dir}, State{}, content, fake_hasher(""));
  CHECK(first.changed.size() == 3);
  REQUIRE(first.next.find("/edited") != nullptr);
  CHECK(first.next.find("/edited")->digest == sha256("/edited"));
  CHECK_FALSE(first.next.find("/dir")->digest.has_value());

  touched.stat.mtime_ns += 5; // same content: not changed in content mode
  auto moved_dir = dir;
  moved_dir.stat.mtime_ns += 5; // directories compare by stat
  const auto second =
      detect_changes({touched, edited, moved_dir}, first.next, content, fake_hasher("/edited"));
  CHECK(paths(second.changed) == std::vector<std::string>{"/edited", "/dir"});
  CHECK(second.next.find("/edited")->digest == sha256("/edited-v2"));
}

TEST_CASE("A file that cannot be hashed is archived and reported", "[collect][state][changes]") {
  const IncrementalPolicy content{ChangeBasis::content, Cumulative::no, Reset::no};
  const auto e = entry("/f");
  auto previous = state_of({e});
  const auto failing = [](const Entry&) -> tl::expected<Digest, std::string> {
    return tl::unexpected(std::string("cannot read [/f]: Permission denied"));
  };
  const auto changes = detect_changes({e}, previous, content, failing);
  CHECK(paths(changes.changed) == std::vector<std::string>{"/f"});
  REQUIRE(changes.problems.size() == 1);
  CHECK(changes.problems[0].path == "/f");
}

TEST_CASE("Content mode hashes real files", "[collect][state][changes]") {
  test::TempDir tmp;
  const auto path = tmp.write("f", "one").string();
  Entry e;
  e.path = path;
  const IncrementalPolicy content{ChangeBasis::content, Cumulative::no, Reset::no};
  const auto first = detect_changes({e}, State{}, content);
  CHECK(first.next.find(path)->digest == sha256("one"));
  tmp.write("f", "two");
  CHECK(detect_changes({e}, first.next, content).changed.size() == 1);
  tmp.write("f", "one");
  CHECK(detect_changes({e}, first.next, content).changed.empty());
}

} // namespace
} // namespace cback::collect
