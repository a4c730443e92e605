// The mbox extension through the real binary and the real grepmail, on
// mailboxes the test writes: a full run, then an incremental one that holds
// exactly the messages dated after the saved timestamp.

#include "support/parts.hpp"
#include "support/pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace cback::test {
namespace {

// A Wednesday; the week starts on Monday, so runs are not full by date.
constexpr const char* k_today = "CBACK_TODAY=2026-11-25";

// 2023-06-01T00:00:00 as the original pickles it (protocol 0 datetime).
const std::string k_june_2023 = std::string("cdatetime\ndatetime\np0\n(c_codecs\nencode\np1\n(V\x07"
                                            "\xe7\x06\x01") +
                                "\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\np2\nVlatin1\np3\ntp4"
                                "\nRp5\ntp6\nRp7\n.";

std::string message(const std::string& subject, int year) {
  return fmt::format("From sender@example.org Mon Jan  3 10:00:00 {0}\n"
                     "From: sender@example.org\nTo: root@example.org\n"
                     "Date: Mon, 3 Jan {0} 10:00:00 +0000\nSubject: {1}\n"
                     "Message-ID: <{1}@example.org>\n\nAbout {1}.\n\n",
                     year, subject);
}

void append(const fs::path& mailbox, const std::string& text) {
  std::ofstream out(mailbox, std::ios::app | std::ios::binary);
  out << text;
}

/// The subjects in an mbox text, sorted.
std::vector<std::string> subjects(const std::string& mbox) {
  std::vector<std::string> found;
  for (std::size_t at = mbox.find("\nSubject: "); at != std::string::npos;
       at = mbox.find("\nSubject: ", at + 1)) {
    const auto start = at + 10;
    found.push_back(mbox.substr(start, mbox.find('\n', start) - start));
  }
  std::sort(found.begin(), found.end());
  return found;
}

using Subjects = std::vector<std::string>;

struct Mail : Pool {
  fs::path file = dir / "spool/root";
  fs::path folder = dir / "Mail";

  Mail() {
    fs::create_directories(dir / "spool");
    fs::create_directories(folder / "archive");
    append(file, message("r-old-1", 2022) + message("r-old-2", 2022));
    append(folder / "inbox", message("i-old", 2022));
    append(folder / "lists", message("l-old", 2022));
    append(folder / "inbox.lock", message("lock", 2022));
    append(folder / "archive/old", message("nested", 2022));
  }

  RunResult run_mbox() {
    configure(extensions_table("mbox", 99) + options_table(make_dir("work")) +
              daily_collect_table(make_dir("collect")) +
              fmt::format(R"([mbox]
collect_mode = "incr"
compress_mode = "gzip"

[[mbox.file]]
abs_path = '{}'

[[mbox.dir]]
abs_path = '{}'
compress_mode = "bzip2"
exclude = {{ pattern = ['.*\.lock'] }}
)",
                          file.string(), folder.string()));
    RunOptions options;
    options.env = {k_today};
    return cback({"mbox"}, options);
  }

  /// The one file in collect_dir whose name ends with `tail`.
  fs::path output(const std::string& tail) const {
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(dir / "collect")) {
      const auto name = entry.path().filename().string();
      if (name.starts_with("mbox-") && name.ends_with(tail)) {
        found.push_back(entry.path());
      }
    }
    REQUIRE(found.size() == 1);
    return found.front();
  }
  Subjects file_subjects() const {
    const auto result = run({"/bin/gzip", "-dc", output("-" + norm(file) + ".gz").string()});
    REQUIRE(result.exit_code == 0);
    return subjects(result.out);
  }
  /// Member name -> subjects, from the dir's tar.
  std::map<std::string, Subjects> dir_subjects() const {
    const auto unpacked = dir / "unpacked";
    fs::remove_all(unpacked);
    fs::create_directories(unpacked);
    REQUIRE(run({"/bin/tar", "-xjf", output("-" + norm(folder) + ".tar.bz2").string(), "-C",
                 unpacked.string()})
                .exit_code == 0);
    std::map<std::string, Subjects> members;
    for (const auto& entry : fs::directory_iterator(unpacked)) {
      members[entry.path().filename().string()] = subjects(read_file(entry.path()));
    }
    return members;
  }
  void clear_outputs() const { fs::remove_all(dir / "collect"); }
  static std::string norm(const fs::path& path) {
    std::string name = path.string().substr(1);
    std::replace(name.begin(), name.end(), '/', '-');
    return name;
  }
  fs::path state(const fs::path& item) const { return dir / "work" / (norm(item) + ".mboxlast"); }
};

} // namespace

TEST_CASE("Mbox backs up whole mailboxes first, then exactly the messages since the last run",
          "[extension][mbox]") {
  if (!program_available("grepmail") || !program_available("gzip") || !program_available("bzip2") ||
      !program_available("tar")) {
    return;
  }
  Mail mail;

  const auto first = mail.run_mbox();
  INFO(first.out << first.err << read_file(mail.dir / "cback.log"));
  REQUIRE(first.exit_code == 0);
  CHECK(mail.file_subjects() == Subjects{"r-old-1", "r-old-2"});
  CHECK(mail.dir_subjects() ==
        std::map<std::string, Subjects>{{"inbox", {"i-old"}}, {"lists", {"l-old"}}});
  CHECK_THAT(read_file(mail.state(mail.file)), Catch::StartsWith("cdatetime\ndatetime\n"));
  CHECK(fs::exists(mail.state(mail.folder)));

  // As if the last run had been in June 2023: the 2022 messages are older.
  mail.dir.write("work/" + mail.state(mail.file).filename().string(), k_june_2023);
  mail.dir.write("work/" + mail.state(mail.folder).filename().string(), k_june_2023);
  append(mail.file, message("r-new", 2024));
  append(mail.folder / "inbox", message("i-new-1", 2024) + message("i-new-2", 2025));
  mail.clear_outputs();

  const auto second = mail.run_mbox();
  INFO(second.out << second.err << read_file(mail.dir / "cback.log"));
  REQUIRE(second.exit_code == 0);
  CHECK(mail.file_subjects() == Subjects{"r-new"});
  CHECK(mail.dir_subjects() ==
        std::map<std::string, Subjects>{{"inbox", {"i-new-1", "i-new-2"}}, {"lists", {}}});
  CHECK(read_file(mail.state(mail.file)) != k_june_2023);
  for (const auto& entry : fs::directory_iterator(mail.dir / "work")) {
    CHECK_FALSE(entry.path().filename().string().starts_with("cback-mbox-"));
  }
}

TEST_CASE("A missing mailbox is an error naming it; its state is kept and the others are backed "
          "up",
          "[extension][mbox]") {
  if (!program_available("grepmail") || !program_available("gzip") || !program_available("bzip2") ||
      !program_available("tar")) {
    return;
  }
  Mail mail;
  fs::remove(mail.file);
  fs::create_directories(mail.dir / "work");
  mail.dir.write("work/" + mail.state(mail.file).filename().string(), k_june_2023);

  const auto result = mail.run_mbox();

  CHECK(result.exit_code == 6);
  CHECK_THAT(result.out + result.err, Catch::Contains(mail.file.string()));
  CHECK(read_file(mail.state(mail.file)) == k_june_2023);
  CHECK(mail.dir_subjects().size() == 2);
}

} // namespace cback::test
