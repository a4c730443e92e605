#pragma once

// How the extensions with several items (repositories, mailboxes) fail: an
// item that fails is logged and the others still run, so one broken item
// does not cost the backup of the rest; the action then fails naming every
// item that failed (exit 6).

#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cback::extend {

class ItemErrors {
public:
  /// `extension` ("subversion") and the plural of its items ("repositories")
  /// name them in the final error.
  ItemErrors(std::string_view extension, std::string_view items)
      : m_extension(extension), m_items(items) {}

  /// Runs `work` for `item`. An Error(action) is logged at ERROR and
  /// remembered; any other error (a stop, say) unwinds at once.
  template <class Work>
  void attempt(Context& context, const std::string& item, Work&& work) {
    try {
      work();
    } catch (const Error& error) {
      if (error.code() != ExitCode::action) {
        throw;
      }
      context.log.error("{}", error.what());
      m_failed.push_back(item);
      if (m_first.empty()) {
        m_first = error.what();
      }
    }
  }

  /// Throws Error(action) with the first failure's message and the list of
  /// failed items, if any failed.
  void check() const;

private:
  std::string m_extension;
  std::string m_items;
  std::vector<std::string> m_failed;
  std::string m_first;
};

} // namespace cback::extend
