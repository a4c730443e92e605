#include <cback/collect/schedule.hpp>

namespace cback::collect {

bool should_collect(config::CollectMode mode, core::Full full, bool today_is_start) {
  return full == core::Full::yes || mode == config::CollectMode::daily ||
         mode == config::CollectMode::incr ||
         (mode == config::CollectMode::weekly && today_is_start);
}

bool resets_state(core::Full full, bool today_is_start) {
  return full == core::Full::yes || today_is_start;
}

} // namespace cback::collect
