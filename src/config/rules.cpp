#include <cback/config/rules.hpp>

namespace cback::config {

void check_rules(const Config& /*config*/, Problems& /*problems*/) {}

} // namespace cback::config
