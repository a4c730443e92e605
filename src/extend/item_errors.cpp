#include <cback/extend/item_errors.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cback::extend {

void ItemErrors::check() const {
  if (m_failed.empty()) {
    return;
  }
  if (m_failed.size() == 1) {
    throw Error(ExitCode::action, m_first);
  }
  throw Error(ExitCode::action,
              fmt::format("Extension [{}] failed on {} {}: [{}]. First error: {}", m_extension,
                          m_failed.size(), m_items, fmt::join(m_failed, "], ["), m_first));
}

} // namespace cback::extend
