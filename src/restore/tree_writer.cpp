#include <cback/restore/tree_writer.hpp>

#include <cback/core/beneath.hpp>
#include <cback/core/error.hpp>
#include <cback/core/field_escape.hpp>
#include <cback/core/ownership.hpp>
#include <cback/restore/archive_reader.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace cback::restore {
namespace {

std::vector<std::string> components_of(std::string_view member) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= member.size()) {
    const auto slash = member.find('/', start);
    const auto end = slash == std::string_view::npos ? member.size() : slash;
    if (end > start) {
      parts.emplace_back(member.substr(start, end - start));
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return parts;
}

std::string last_component(std::string_view member) {
  const auto parts = components_of(member);
  return parts.empty() ? std::string() : parts.back();
}

void write_all(int fd, std::span<const std::byte> data, const std::string& member) {
  while (!data.empty()) {
    const ssize_t done = ::write(fd, data.data(), data.size());
    if (done < 0 && errno == EINTR) {
      continue;
    }
    if (done < 0) {
      throw Error(ExitCode::action, fmt::format("Cannot write [{}]: {}", core::escape_field(member),
                                                std::strerror(errno)));
    }
    data = data.subspan(static_cast<std::size_t>(done));
  }
}

// Extended attributes as archived; one this system or user may not set
// (a trusted.* attribute without root, a filesystem without xattrs) is
// left out, as GNU tar does with a warning of its own.
using Xattrs = std::vector<std::pair<std::string, std::string>>;

Xattrs xattrs_of(archive_entry* entry) {
  Xattrs xattrs;
  archive_entry_xattr_reset(entry);
  const char* name = nullptr;
  const void* value = nullptr;
  std::size_t size = 0;
  while (archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK) {
    xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
  }
  return xattrs;
}

void set_xattrs(int fd, const Xattrs& xattrs) {
  for (const auto& [name, value] : xattrs) {
    (void)::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0);
  }
}

} // namespace

TreeWriter::TreeWriter(const std::filesystem::path& dir, Overwrite overwrite)
    : m_dir(dir), m_overwrite(overwrite), m_root(::geteuid() == 0) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  m_dir_fd.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!m_dir_fd) {
    throw Error(ExitCode::action, fmt::format("Cannot open the directory [{}] to restore into: {}",
                                              dir.string(), std::strerror(errno)));
  }
}

std::optional<std::string> TreeWriter::refusal(std::string_view member) {
  if (member.empty()) {
    return "an empty name";
  }
  if (member.starts_with('/')) {
    return "an absolute name";
  }
  if (member.find('\0') != std::string_view::npos) {
    return "a name with a NUL byte";
  }
  for (const auto& part : components_of(member)) {
    if (part == "..") {
      return "a name with a \"..\" component";
    }
  }
  return std::nullopt;
}

void TreeWriter::fail(const std::string& member, const std::string& why) const {
  throw Error(ExitCode::action, fmt::format("Cannot restore [{}] into [{}]: {}",
                                            core::escape_field(member), m_dir.string(), why));
}

// The directory that holds `member`, each component opened beneath the one
// before without following a link; missing ones are made when `make`
// (their modes and times come later, if the archive has them). An invalid
// fd when one is missing and not made.
core::UniqueFd TreeWriter::parent_of(std::string_view member, bool make) {
  auto parts = components_of(member);
  parts.pop_back();
  core::UniqueFd fd(::fcntl(m_dir_fd.get(), F_DUPFD_CLOEXEC, 0));
  std::string walked;
  for (const auto& part : parts) {
    walked += walked.empty() ? part : "/" + part;
    if (part == ".") {
      continue;
    }
    core::UniqueFd next = core::open_beneath(fd.get(), part, O_RDONLY | O_DIRECTORY);
    if (!next && errno == ENOENT && make) {
      if (::mkdirat(fd.get(), part.c_str(), 0777) != 0 && errno != EEXIST) {
        fail(std::string(member),
             fmt::format("cannot make [{}]: {}", core::escape_field(walked), std::strerror(errno)));
      }
      next = core::open_beneath(fd.get(), part, O_RDONLY | O_DIRECTORY);
    }
    if (!next) {
      if (errno == ENOENT && !make) {
        return {};
      }
      fail(std::string(member),
           errno == ELOOP || errno == ENOTDIR
               ? fmt::format("[{}] is a symbolic link or not a directory: it is not followed",
                             core::escape_field(walked))
               : fmt::format("cannot open [{}]: {}", core::escape_field(walked),
                             std::strerror(errno)));
    }
    fd = std::move(next);
  }
  return fd;
}

bool TreeWriter::taken(std::string_view member) {
  try {
    const auto parent = parent_of(member, false);
    if (!parent) {
      return false;
    }
    struct ::stat st {};
    return ::fstatat(parent.get(), last_component(member).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           !S_ISDIR(st.st_mode);
  } catch (const Error&) {
    return true;
  }
}

// The id of an owner's name here, looked up once per name; the archived
// number when the name is empty or unknown here (as GNU tar does).
template <class Id, class Lookup>
Id id_by_name(std::map<std::string, std::optional<Id>>& known, const char* name, Id number,
              Lookup lookup) {
  if (name == nullptr || *name == '\0') {
    return number;
  }
  auto [found, added] = known.try_emplace(name);
  if (added) {
    try {
      found->second = lookup(name);
    } catch (const Error&) {
      found->second = std::nullopt;
    }
  }
  return found->second.value_or(number);
}

uid_t TreeWriter::uid_of(archive_entry* entry) {
  return id_by_name(m_users, archive_entry_uname(entry),
                    static_cast<uid_t>(archive_entry_uid(entry)), core::lookup_uid);
}

gid_t TreeWriter::gid_of(archive_entry* entry) {
  return id_by_name(m_groups, archive_entry_gname(entry),
                    static_cast<gid_t>(archive_entry_gid(entry)), core::lookup_gid);
}

TreeWriter::Metadata TreeWriter::metadata_of(archive_entry* entry) {
  Metadata metadata;
  metadata.mode = static_cast<mode_t>(archive_entry_perm(entry)) & 07777;
  if (m_root) {
    metadata.uid = uid_of(entry);
    metadata.gid = gid_of(entry);
  }
  metadata.mtime.tv_sec = archive_entry_mtime(entry);
  metadata.mtime.tv_nsec = archive_entry_mtime_nsec(entry);
  return metadata;
}

void TreeWriter::commit(int parent, const std::string& temp, const std::string& name,
                        const std::string& member) {
  const unsigned flags = m_overwrite == Overwrite::yes ? 0U : RENAME_NOREPLACE;
  if (::renameat2(parent, temp.c_str(), parent, name.c_str(), flags) != 0) {
    const int error = errno;
    ::unlinkat(parent, temp.c_str(), 0);
    fail(member, error == EEXIST
                     ? std::string("it exists (give --overwrite to replace it)")
                     : fmt::format("cannot rename it into place: {}", std::strerror(error)));
  }
}

bool TreeWriter::write(ArchiveReader& reader, archive_entry* entry, const std::string& member) {
  if (const auto why = refusal(member)) {
    fail(member, fmt::format("refused: {}", *why));
  }
  const auto parent = parent_of(member, true);
  const std::string name = last_component(member);
  if (archive_entry_hardlink(entry) != nullptr) {
    return write_hardlink(entry, parent.get(), name, member);
  }
  switch (archive_entry_filetype(entry)) {
  case AE_IFREG:
    write_file(reader, entry, parent.get(), name, member);
    break;
  case AE_IFDIR:
    write_directory(entry, parent.get(), name, member);
    break;
  case AE_IFLNK:
    write_symlink(entry, parent.get(), name, member);
    break;
  default:
    fail(member, "not a file, directory or link (cback archives none)");
  }
  return true;
}

void TreeWriter::write_file_as(ArchiveReader& reader, archive_entry* entry,
                               const std::string& member) {
  const auto parent = parent_of(member, true);
  write_file(reader, entry, parent.get(), last_component(member), member);
}

void TreeWriter::write_file(ArchiveReader& reader, archive_entry* entry, int parent,
                            const std::string& name, const std::string& member) {
  const std::string temp = fmt::format(".cback-restore.{}.{}", ::getpid(), m_temp_count++);
  core::UniqueFd fd(
      ::openat(parent, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) {
    fail(member, fmt::format("cannot create a file beside it: {}", std::strerror(errno)));
  }
  try {
    for (auto block = reader.data(); !block.empty(); block = reader.data()) {
      write_all(fd.get(), block, member);
      m_bytes += block.size();
    }
    const Metadata metadata = metadata_of(entry);
    if (m_root && ::fchown(fd.get(), metadata.uid, metadata.gid) != 0) {
      fail(member, fmt::format("cannot set its owner: {}", std::strerror(errno)));
    }
    ::fchmod(fd.get(), metadata.mode);
    set_xattrs(fd.get(), xattrs_of(entry));
    const struct timespec times[2] = {{0, UTIME_OMIT}, metadata.mtime};
    ::futimens(fd.get(), times);
    if (fd.close() != 0) {
      fail(member, fmt::format("cannot write it: {}", std::strerror(errno)));
    }
  } catch (...) {
    ::unlinkat(parent, temp.c_str(), 0);
    throw;
  }
  commit(parent, temp, name, member);
  m_written_files.insert(member);
}

void TreeWriter::copy_file(ByteStream& data, const std::string& member) {
  if (const auto why = refusal(member)) {
    fail(member, fmt::format("refused: {}", *why));
  }
  const auto parent = parent_of(member, true);
  const std::string temp = fmt::format(".cback-restore.{}.{}", ::getpid(), m_temp_count++);
  core::UniqueFd fd(::openat(parent.get(), temp.c_str(),
                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) {
    fail(member, fmt::format("cannot create a file beside it: {}", std::strerror(errno)));
  }
  try {
    std::vector<std::byte> block(1 << 20);
    while (const std::size_t got = data.read(block)) {
      write_all(fd.get(), std::span<const std::byte>(block.data(), got), member);
      m_bytes += got;
    }
    if (fd.close() != 0) {
      fail(member, fmt::format("cannot write it: {}", std::strerror(errno)));
    }
  } catch (...) {
    ::unlinkat(parent.get(), temp.c_str(), 0);
    throw;
  }
  commit(parent.get(), temp, last_component(member), member);
  m_written_files.insert(member);
}

void TreeWriter::write_directory(archive_entry* entry, int parent, const std::string& name,
                                 const std::string& member) {
  if (name == ".") {
    return;
  }
  struct ::stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
    if (m_overwrite == Overwrite::no) {
      fail(member, "it exists and is not a directory (give --overwrite to replace it)");
    }
    if (::unlinkat(parent, name.c_str(), 0) != 0) {
      fail(member, fmt::format("cannot remove what is there: {}", std::strerror(errno)));
    }
  }
  if (::mkdirat(parent, name.c_str(), 0700) != 0 && errno != EEXIST) {
    fail(member, fmt::format("cannot make it: {}", std::strerror(errno)));
  }
  Metadata metadata = metadata_of(entry);
  metadata.xattrs = xattrs_of(entry);
  m_directories[member] = std::move(metadata);
}

void TreeWriter::write_symlink(archive_entry* entry, int parent, const std::string& name,
                               const std::string& member) {
  const char* target = archive_entry_symlink(entry);
  const std::string temp = fmt::format(".cback-restore.{}.{}", ::getpid(), m_temp_count++);
  if (::symlinkat(target != nullptr ? target : "", parent, temp.c_str()) != 0) {
    fail(member, fmt::format("cannot make the link: {}", std::strerror(errno)));
  }
  const Metadata metadata = metadata_of(entry);
  if (m_root) {
    ::fchownat(parent, temp.c_str(), metadata.uid, metadata.gid, AT_SYMLINK_NOFOLLOW);
  }
  const struct timespec times[2] = {{0, UTIME_OMIT}, metadata.mtime};
  ::utimensat(parent, temp.c_str(), times, AT_SYMLINK_NOFOLLOW);
  commit(parent, temp, name, member);
}

bool TreeWriter::write_hardlink(archive_entry* entry, int parent, const std::string& name,
                                const std::string& member) {
  std::string target = archive_entry_hardlink(entry);
  while (target.size() > 1 && target.ends_with('/')) {
    target.pop_back();
  }
  if (const auto why = refusal(target)) {
    fail(member, fmt::format("refused: a hard link to {}", *why));
  }
  if (!m_written_files.contains(target)) {
    return false;
  }
  const auto target_parent = parent_of(target, false);
  const std::string temp = fmt::format(".cback-restore.{}.{}", ::getpid(), m_temp_count++);
  if (!target_parent ||
      ::linkat(target_parent.get(), last_component(target).c_str(), parent, temp.c_str(), 0) != 0) {
    fail(member, fmt::format("cannot link it to [{}]: {}", core::escape_field(target),
                             std::strerror(errno)));
  }
  commit(parent, temp, name, member);
  return true;
}

void TreeWriter::finish() {
  // Deepest first: setting a directory's time is not undone by its
  // children, and a mode without write permission comes last.
  for (auto it = m_directories.rbegin(); it != m_directories.rend(); ++it) {
    const auto& [member, metadata] = *it;
    const auto parent = parent_of(member, false);
    core::UniqueFd fd =
        parent ? core::open_beneath(parent.get(), last_component(member), O_RDONLY | O_DIRECTORY)
               : core::UniqueFd();
    if (!fd) {
      fail(member,
           fmt::format("cannot open it to set its mode and times: {}", std::strerror(errno)));
    }
    if (m_root) {
      ::fchown(fd.get(), metadata.uid, metadata.gid);
    }
    // Before the mode: a directory archived without write permission
    // still takes its attributes.
    set_xattrs(fd.get(), metadata.xattrs);
    ::fchmod(fd.get(), metadata.mode);
    const struct timespec times[2] = {{0, UTIME_OMIT}, metadata.mtime};
    ::futimens(fd.get(), times);
  }
  m_directories.clear();
}

} // namespace cback::restore
