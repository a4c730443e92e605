#pragma once

// The functions that run the built-in extensions (registry.hpp). Apart from
// the registry so that a program that only reads a configuration (such as
// cback-restore) does not link the extensions and their libraries.

#include <cback/actions/action.hpp>
#include <cback/extend/registry.hpp>

namespace cback::extend {

/// The function that runs `extension`.
actions::ActionFunction runner_of(const BuiltinExtension& extension);

} // namespace cback::extend
