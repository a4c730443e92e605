// libFuzzer entry point: any byte string given to config::parse either
// parses or throws InvalidConfig; it never crashes, leaks or overflows.
// The format is chosen by content, so one target serves both seed corpora;
// CBACK_FUZZ_NAME only names the input in problems.

#include <cback/config/load.hpp>
#include <cback/extend/python_bridge.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view content(reinterpret_cast<const char*>(data), size);
  cback::config::Config config;
  try {
    config = cback::config::parse(content, CBACK_FUZZ_NAME);
  } catch (const cback::config::InvalidConfig&) {
    return 0;
  }
  // A site's own Python module runs from an XML configuration only (TOML
  // refuses it at load), so such a document has no TOML form to trip through.
  if (config.extensions) {
    for (const auto& action : config.extensions->actions) {
      if (cback::extend::is_site_module(action)) {
        return 0;
      }
    }
  }
  // A document that parses must survive the trip through TOML unchanged.
  try {
    if (!(cback::config::parse(cback::config::to_toml(config), "converted.toml") == config)) {
      __builtin_trap();
    }
  } catch (const cback::config::InvalidConfig&) {
    __builtin_trap();
  }
  return 0;
}
