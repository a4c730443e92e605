#include <cback/config/outputs.hpp>

namespace cback::config {

core::Outputs outputs_of(const Options& options) {
  return core::Outputs(options.backup_user.value_or("root"), options.backup_group.value_or("root"));
}

core::Outputs outputs_of(const Config& config) {
  return config.options ? outputs_of(*config.options) : outputs_of(Options{});
}

core::LazyOutputs lazy_outputs_of(const Config& config) {
  return core::LazyOutputs([&config] { return outputs_of(config); });
}

} // namespace cback::config
