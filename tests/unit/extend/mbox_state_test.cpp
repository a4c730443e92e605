#include <cback/extend/mbox_state.hpp>

#include "support/parts.hpp"
#include "support/python.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

namespace cback::extend {
namespace {

using test::python;
using test::python_available;

// Bytes with every escaped character: month 10 (\n), day 13 (\r), minute 26
// (\x1a), second 0 and microseconds 92 (\\).
const LocalTime k_awkward{2026, 10, 13, 0, 26, 0, 92};

} // namespace

TEST_CASE("A timestamp is pickled byte for byte as Python pickles a datetime", "[extend][mbox]") {
  CHECK(pickle_datetime({2026, 1, 2, 3, 4, 5, 6}) ==
        std::string("cdatetime\ndatetime\np0\n(c_codecs\nencode\np1\n(V\x07\xea\x01\x02\x03\x04\x05"
                    "\\u0000\\u0000\x06\np2\nVlatin1\np3\ntp4\nRp5\ntp6\nRp7\n."));
  CHECK(unpickle_datetime(pickle_datetime(k_awkward)) == k_awkward);
}

TEST_CASE("Timestamps written by cback are read by Python and the other way round",
          "[extend][mbox]") {
  CBACK_REQUIRE_PART(python_available());
  test::TempDir tmp;
  const auto ours = tmp / "ours.mboxlast";
  write_mbox_last(ours, k_awkward);
  CHECK(python("import pickle,sys,datetime; d=pickle.load(open(\"" + ours.string() +
               "\",\"rb\")); sys.exit(0 if d == datetime.datetime(2026,10,13,0,26,0,92) else 1)") ==
        0);

  const auto theirs = tmp / "theirs.mboxlast";
  REQUIRE(python("import pickle,datetime; pickle.dump(datetime.datetime(2025,12,31,23,59,58,"
                 "999999), open(\"" +
                 theirs.string() + "\",\"wb\"), 0, fix_imports=True)") == 0);
  CHECK(read_mbox_last(theirs) == LocalTime{2025, 12, 31, 23, 59, 58, 999999});
}

TEST_CASE("A timestamp pickled by Python 2 (Cedar Backup 2) is read", "[extend][mbox]") {
  const std::string python2 = "cdatetime\ndatetime\np0\n(S'\\x07\\xd6\\x06\\x18\\x0c\\n\\x00\\x00"
                              "\\x00\\x00'\np1\ntp2\nRp3\n.";
  CHECK(unpickle_datetime(python2) == LocalTime{2006, 6, 24, 12, 10, 0, 0});
}

TEST_CASE("A missing or foreign mbox state means no timestamp", "[extend][mbox]") {
  test::TempDir tmp;
  CHECK_FALSE(read_mbox_last(tmp / "none.mboxlast"));
  CHECK_FALSE(read_mbox_last(tmp.write("int.mboxlast", "I5\n.")));
  CHECK(iso_text(k_awkward) == "2026-10-13T00:26:00");
  CHECK(date_text(k_awkward) == "20261013");
  CHECK(mbox_state_path("/work", "/var/mail/root") == "/work/var-mail-root.mboxlast");
}

} // namespace cback::extend
