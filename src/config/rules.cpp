#include <cback/config/rules.hpp>

#include "rules/checks.hpp"

namespace cback::config {

void check_rules(const Config& config, Problems& problems) {
  // Each group reports every violation it finds; none stops the others, so
  // a user sees all mistakes of a document at once.
  rules::check_document(config, problems);
  rules::check_extensions(config, problems);
  rules::check_peers(config, problems);
  rules::check_collect(config, problems);
  rules::check_store(config, problems);
  rules::check_extension_sections(config, problems);
}

} // namespace cback::config
