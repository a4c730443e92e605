#include <cback/collect/exclusions.hpp>

#include <cback/core/error.hpp>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <tl/expected.hpp>

#include <algorithm>

namespace cback::collect {

namespace {

constexpr std::string_view k_prefix = "^(?:";
constexpr std::string_view k_suffix = ")$";

struct CodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
using Code = std::unique_ptr<pcre2_code, CodeDeleter>;

struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};
using MatchData = std::unique_ptr<pcre2_match_data, MatchDataDeleter>;

// Compiles `pattern` as a full match. UTF mode stays off: file names are
// bytes, and a name that is not UTF-8 must still be matched.
tl::expected<Code, std::string> compile(const std::string& pattern) {
  std::string wrapped;
  wrapped.reserve(pattern.size() + k_prefix.size() + k_suffix.size());
  wrapped.append(k_prefix).append(pattern).append(k_suffix);
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  Code code(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(wrapped.data()), wrapped.size(), 0,
                          &error_code, &error_offset, nullptr));
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    const auto offset = error_offset >= k_prefix.size() ? error_offset - k_prefix.size() : 0;
    return tl::unexpected(fmt::format("invalid exclude pattern [{}]: {} at offset {}", pattern,
                                      reinterpret_cast<const char*>(message),
                                      std::min<std::size_t>(offset, pattern.size())));
  }
  // JIT makes matching 100 000 names cheap; without it (no JIT support on
  // this CPU) the interpreter gives the same answers.
  pcre2_jit_compile(code.get(), PCRE2_JIT_COMPLETE);
  return code;
}

std::string_view basename_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

} // namespace

struct ExclusionMatcher::Compiled {
  std::vector<Code> path_patterns;
  std::vector<Code> basename_patterns;

  static bool any_matches(const std::vector<Code>& codes, std::string_view subject) {
    // One match buffer per thread: the compiled patterns are shared by every
    // copy of the matcher, and matching only reads them.
    thread_local const MatchData match_data{pcre2_match_data_create(1, nullptr)};
    for (const auto& code : codes) {
      // A result of 0 means "matched, but the vector was too small": still a match.
      const int rc = pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()),
                                 subject.size(), 0, 0, match_data.get(), nullptr);
      if (rc >= 0) {
        return true;
      }
    }
    return false;
  }
};

std::optional<std::string> pattern_error(const std::string& pattern) {
  auto code = compile(pattern);
  if (code) {
    return std::nullopt;
  }
  return code.error();
}

ExclusionMatcher::ExclusionMatcher(const ExclusionRules& rules)
    : m_compiled(std::make_shared<Compiled>()),
      m_paths(rules.abs_paths.begin(), rules.abs_paths.end()), m_ignore_file(rules.ignore_file) {
  const auto add_all = [](const std::vector<std::string>& patterns, std::vector<Code>& out) {
    for (const auto& pattern : patterns) {
      auto code = compile(pattern);
      if (!code) {
        throw Error(ExitCode::config, code.error());
      }
      out.push_back(std::move(*code));
    }
  };
  add_all(rules.patterns, m_compiled->path_patterns);
  add_all(rules.basename_patterns, m_compiled->basename_patterns);
  if (m_ignore_file && m_ignore_file->empty()) {
    throw Error(ExitCode::config, "the ignore file must be a non-empty name");
  }
}

bool ExclusionMatcher::excluded(std::string_view path) const {
  if (!m_paths.empty() && m_paths.contains(path)) {
    return true;
  }
  return m_compiled->any_matches(m_compiled->path_patterns, path) ||
         m_compiled->any_matches(m_compiled->basename_patterns, basename_of(path));
}

bool ExclusionMatcher::has_ignore_file(int dir_fd) const {
  if (!m_ignore_file) {
    return false;
  }
  struct ::stat st {};
  return ::fstatat(dir_fd, m_ignore_file->c_str(), &st, 0) == 0;
}

void ExclusionMatcher::add_path(std::string path) {
  m_paths.insert(std::move(path));
}

} // namespace cback::collect
