#include <cback/cli/diagnostics.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>

#include <cback/version.hpp>

#include <archive.h>
#include <cstdint> // before libisofs.h, which needs it
#include <libisofs/libisofs.h>
#include <libssh/libssh.h>
#include <spdlog/version.h>
#include <toml++/impl/version.h> // the version macros only, not the whole parser
#include <zstd.h>
// libburn.h puts its API in namespace burn itself when compiled as C++.
#include <libburn/libburn.h>
#if __has_include(<liburing/io_uring_version.h>)
#include <liburing/io_uring_version.h>
#define CBACK_HAS_URING_VERSION 1
#endif

#include <fmt/format.h>
#include <langinfo.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <clocale>
#include <ctime>
#include <iostream>

namespace cback::cli {
namespace {

// Python's str.title(): a letter after a non-letter is upper-cased, the
// other letters lower-cased.
std::string title_case(const std::string& key) {
  std::string out;
  bool after_letter = false;
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    const bool letter = std::isalpha(u) != 0;
    out += static_cast<char>(letter ? (after_letter ? std::tolower(u) : std::toupper(u)) : u);
    after_letter = letter;
  }
  return out;
}

std::string platform() {
  utsname names{};
  if (::uname(&names) != 0) {
    return "linux";
  }
  std::string system = names.sysname;
  std::transform(system.begin(), system.end(), system.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return fmt::format("{} ({} {} {})", system, names.sysname, names.release, names.machine);
}

// The LC_CTYPE locale without its codeset ("en_US.UTF-8" -> "en_US"), as
// Python's locale.getlocale()[0].
std::string locale_name() {
  const char* current = std::setlocale(LC_CTYPE, nullptr);
  const std::string name = current != nullptr ? current : "(unknown)";
  return name.substr(0, name.find('.'));
}

std::string timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[64];
  std::strftime(text, sizeof text, "%a %b %e %H:%M:%S %Y", &utc);
  return std::string(text) + " UTC";
}

std::string compiler() {
#if defined(__clang__)
  return fmt::format("clang {}", __clang_version__);
#elif defined(__GNUC__)
  return fmt::format("GCC {}", __VERSION__);
#else
  return "unknown";
#endif
}

std::string triple(int major, int minor, int micro) {
  return fmt::format("{}.{}.{}", major, minor, micro);
}

void add_library_versions(DiagnosticValues& values) {
  int major = 0;
  int minor = 0;
  int micro = 0;
  values.emplace_back("libarchive", archive_version_string());
  burn::burn_version(&major, &minor, &micro);
  values.emplace_back("libburn", triple(major, minor, micro));
  iso_lib_version(&major, &minor, &micro);
  values.emplace_back("libisofs", triple(major, minor, micro));
#ifdef CBACK_HAS_URING_VERSION
  values.emplace_back("liburing",
                      fmt::format("{}.{}", io_uring_major_version(), io_uring_minor_version()));
#endif
  // No run-time version calls: the versions these were built with. For
  // libssh that keeps it out of the programs that only read backups
  // (cback-restore links only the libraries it calls).
  values.emplace_back("libssh",
                      triple(LIBSSH_VERSION_MAJOR, LIBSSH_VERSION_MINOR, LIBSSH_VERSION_MICRO));
  values.emplace_back("spdlog", triple(SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH));
  values.emplace_back("toml++", triple(TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH));
  values.emplace_back("zstd", ZSTD_versionString());
}

} // namespace

DiagnosticValues diagnostic_values() {
  DiagnosticValues values;
  values.emplace_back("version", fmt::format("cback {}", k_version));
  values.emplace_back("compiler", compiler());
  values.emplace_back("encoding", nl_langinfo(CODESET));
  values.emplace_back("locale", locale_name());
  values.emplace_back("platform", platform());
  values.emplace_back("timestamp", timestamp());
  add_library_versions(values);
  return values;
}

std::vector<std::string> diagnostic_lines(const DiagnosticValues& values,
                                          const std::string& prefix) {
  DiagnosticValues sorted = values;
  std::sort(sorted.begin(), sorted.end());
  std::size_t width = 0;
  for (const auto& entry : sorted) {
    width = std::max(width, entry.first.size());
  }
  width += 3; // three dots after the longest key, as the original
  std::vector<std::string> lines;
  for (const auto& [key, value] : sorted) {
    std::string title = title_case(key);
    title.append(width - title.size(), '.');
    lines.push_back(fmt::format("{}{}: {}", prefix, title, value));
  }
  return lines;
}

std::string diagnostics_block(const DiagnosticValues& values) {
  std::string out = "\nDiagnostics:\n\n";
  for (const auto& line : diagnostic_lines(values, "   ")) {
    out += line + "\n";
  }
  return out + "\n";
}

void report_stack(core::Logger& log, const Error& error) {
  log.info("Stack trace of the error (innermost first):");
  std::cerr << "Stack trace of the error (innermost first):\n";
  for (const auto& frame : error.stack()) {
    log.info("   {}", frame);
    std::cerr << "   " << frame << "\n";
  }
}

} // namespace cback::cli
