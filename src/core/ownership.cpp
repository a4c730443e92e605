#include <cback/core/ownership.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/unique_fd.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace cback::core {
namespace {

// getpwnam_r/getgrnam_r need a buffer of unknown size: grow it on ERANGE.
template <class Entry, class Lookup>
bool lookup_entry(const std::string& name, Entry& entry, Lookup lookup, int& error_number) {
  std::vector<char> buffer(1024);
  for (;;) {
    Entry* found = nullptr;
    error_number = lookup(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (error_number == ERANGE && buffer.size() < (1U << 20U)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    return error_number == 0 && found != nullptr;
  }
}

std::string lookup_failure(std::string_view kind, const std::string& name, int error_number) {
  return fmt::format("Unable to look up {} [{}]: {}", kind, name,
                     error_number == 0 ? std::string("no such ") + std::string(kind)
                                       : std::string(std::strerror(error_number)));
}

} // namespace

uid_t lookup_uid(const std::string& user) {
  struct passwd entry {};
  int error_number = 0;
  if (!lookup_entry(user, entry, ::getpwnam_r, error_number)) {
    throw Error(ExitCode::action, lookup_failure("user", user, error_number));
  }
  return entry.pw_uid;
}

gid_t lookup_gid(const std::string& group) {
  struct group entry {};
  int error_number = 0;
  if (!lookup_entry(group, entry, ::getgrnam_r, error_number)) {
    throw Error(ExitCode::action, lookup_failure("group", group, error_number));
  }
  return entry.gr_gid;
}

Ownership Ownership::lookup(const std::string& user, const std::string& group) {
  return {lookup_uid(user), lookup_gid(group)};
}

void Ownership::apply(const std::filesystem::path& path, Logger& log) const {
  if (::geteuid() != 0) {
    return;
  }
  // The directories these files are in belong to the backup user, who may
  // have put a link at `path`: open the name itself, never its target.
  const UniqueFd fd(::open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  struct ::stat info {};
  if (!fd || ::fstat(fd.get(), &info) != 0) {
    log_failure(path, log);
    return;
  }
  if (S_ISREG(info.st_mode) && info.st_nlink > 1) {
    log.error("Not changing ownership of [{}] to {}:{}: the file has {} links, not only this name",
              path.string(), m_uid, m_gid, info.st_nlink);
    return;
  }
  if (::fchownat(fd.get(), "", m_uid, m_gid, AT_EMPTY_PATH) != 0) {
    log_failure(path, log);
  }
}

void Ownership::log_failure(const std::filesystem::path& path, Logger& log) const {
  log.error("Error changing ownership of [{}] to {}:{}: {}", path.string(), m_uid, m_gid,
            std::strerror(errno));
}

} // namespace cback::core
