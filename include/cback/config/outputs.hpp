#pragma once

// The outputs service of a configuration: backup_user:backup_group, each
// "root" when not configured.

#include <cback/config/model.hpp>
#include <cback/core/outputs.hpp>

namespace cback::config {

/// core::Outputs for options' backup_user and backup_group ("root" when
/// unset). Throws cback::Error(action) as core::Outputs does.
core::Outputs outputs_of(const Options& options);

/// The same for a whole configuration, whose options section may be absent.
core::Outputs outputs_of(const Config& config);

/// The run's outputs service: outputs_of(config) on first use. `config` must
/// outlive it.
core::LazyOutputs lazy_outputs_of(const Config& config);

} // namespace cback::config
