#pragma once

// The one way cback hands its outputs (archives, dumps, manifests, staged
// files, indicators) to the backup user: backup_user:backup_group is looked
// up once, and only when the run is root's (only root can give files away).

#include <cback/core/ownership.hpp>

#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace cback::core {

class Logger;

class Outputs {
public:
  /// Owns nothing: own() and write_indicator() leave owners alone.
  Outputs() = default;
  /// When the effective uid is 0, looks up `user` and `group` now and throws
  /// cback::Error(ExitCode::action) naming the one that does not exist;
  /// otherwise looks nothing up and owns nothing.
  Outputs(const std::string& user, const std::string& group);

  /// Gives `path` to the backup user (Ownership::apply: never through a
  /// symbolic link; a failure is logged at ERROR, not fatal). Does nothing
  /// when not running as root.
  void own(const std::filesystem::path& path, Logger& log) const;

  /// Writes the empty indicator file `path` atomically, then owns it.
  void write_indicator(const std::filesystem::path& path, Logger& log) const;

  /// The resolved owner, or null when not running as root (for code that
  /// takes a plain Ownership, such as the stage transfer).
  [[nodiscard]] const Ownership* ownership() const noexcept {
    return m_owner ? &*m_owner : nullptr;
  }

private:
  std::optional<Ownership> m_owner;
};

/// The run's Outputs, made on first use: an action that gives nothing away
/// (validate) never fails on a backup user that does not exist, and one that
/// does fails where it first needs the owner, before it writes. Safe to use
/// from several threads; a `make` that throws is tried again on the next use.
class LazyOutputs {
public:
  explicit LazyOutputs(std::function<Outputs()> make) : m_make(std::move(make)) {}

  [[nodiscard]] const Outputs& get() const {
    std::call_once(m_once, [this] { m_outputs.emplace(m_make()); });
    return *m_outputs;
  }
  const Outputs* operator->() const { return &get(); }

private:
  std::function<Outputs()> m_make;
  mutable std::once_flag m_once;
  mutable std::optional<Outputs> m_outputs;
};

} // namespace cback::core
