#pragma once

// Ownership of the files cback writes (docs/compatibility.md, "Ownership"): archives, dumps,
// indicators and staged files belong to backup_user:backup_group, but only
// a run as root can give them away; a failed chown is logged, never fatal.

#include <filesystem>
#include <string>
#include <sys/types.h>

namespace cback::core {

class Logger;

class Ownership {
public:
  /// Looks up `user` and `group` once. Throws cback::Error(ExitCode::action)
  /// naming the one that does not exist.
  static Ownership lookup(const std::string& user, const std::string& group);
  Ownership(uid_t uid, gid_t gid) noexcept : m_uid(uid), m_gid(gid) {}

  [[nodiscard]] uid_t uid() const noexcept { return m_uid; }
  [[nodiscard]] gid_t gid() const noexcept { return m_gid; }

  /// chowns `path` when the effective uid is 0; does nothing otherwise. A
  /// failure is logged at ERROR and otherwise ignored. Unlike the
  /// original, never through a symbolic link: a link at `path` is itself
  /// given away, its target is left alone. A regular file with more than
  /// one link is left alone too (logged at ERROR): cback's own outputs have
  /// one, and chowning another name of the same file (say /etc/shadow) would
  /// give that file away. `path`'s file is opened once (O_PATH|O_NOFOLLOW)
  /// and both checked and chowned through that fd.
  void apply(const std::filesystem::path& path, Logger& log) const;

private:
  void log_failure(const std::filesystem::path& path, Logger& log) const;

  uid_t m_uid;
  gid_t m_gid;
};

/// uid of `user`; throws Error(action) when there is no such user.
uid_t lookup_uid(const std::string& user);
/// gid of `group`; throws Error(action) when there is no such group.
gid_t lookup_gid(const std::string& group);

} // namespace cback::core
