#include <cback/cli/diagnostics.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using cback::cli::diagnostic_lines;
using cback::cli::diagnostic_values;
using cback::cli::diagnostics_block;
using cback::cli::DiagnosticValues;

TEST_CASE("Diagnostic lines are sorted, title-cased and dot-padded", "[cli][diagnostics]") {
  const DiagnosticValues values{
      {"version", "cback 1.0"}, {"encoding", "UTF-8"}, {"toml++", "3.3.0"}, {"locale", "en_US"}};
  const auto lines = diagnostic_lines(values, "   ");
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "   Encoding...: UTF-8");
  CHECK(lines[1] == "   Locale.....: en_US");
  CHECK(lines[2] == "   Toml++.....: 3.3.0");
  CHECK(lines[3] == "   Version....: cback 1.0");
}

TEST_CASE("The diagnostics block is framed by blank lines", "[cli][diagnostics]") {
  const DiagnosticValues values{{"platform", "linux (Linux 6.1 x86_64)"}, {"timestamp", "now"}};
  CHECK(diagnostics_block(values) == "\nDiagnostics:\n\n"
                                     "   Platform....: linux (Linux 6.1 x86_64)\n"
                                     "   Timestamp...: now\n"
                                     "\n");
}

TEST_CASE("cback's diagnostics name cback and the libraries it uses", "[cli][diagnostics]") {
  const auto values = diagnostic_values();
  const auto value_of = [&values](const std::string& key) {
    const auto it = std::find_if(values.begin(), values.end(),
                                 [&key](const auto& entry) { return entry.first == key; });
    return it == values.end() ? std::string("(missing)") : it->second;
  };
  CHECK_THAT(value_of("version"), Catch::StartsWith("cback "));
  CHECK_THAT(value_of("platform"), Catch::StartsWith("linux (Linux "));
  CHECK_THAT(value_of("timestamp"), Catch::EndsWith(" UTC"));
  CHECK_THAT(value_of("libarchive"), Catch::StartsWith("libarchive 3."));
  for (const char* key : {"compiler", "encoding", "locale", "libburn", "libisofs", "libssh",
                          "spdlog", "toml++", "zstd"}) {
    CAPTURE(key);
    CHECK(value_of(key) != "(missing)");
    CHECK_FALSE(value_of(key).empty());
  }
}
