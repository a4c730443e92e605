#pragma once

// Which items are collected today, and when incremental state starts afresh.

#include <cback/config/model.hpp>
#include <cback/core/run_flags.hpp>

namespace cback::collect {

/// An item is collected if --full, or its mode is daily or incr, or it is
/// weekly and today starts the week.
bool should_collect(config::CollectMode mode, core::Full full, bool today_is_start);

/// Incremental state starts afresh with --full or at the start of the week.
bool resets_state(core::Full full, bool today_is_start);

} // namespace cback::collect
