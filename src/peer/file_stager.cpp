#include "file_stager.hpp"

#include <cback/core/beneath.hpp>
#include <cback/core/error.hpp>
#include <cback/core/field_escape.hpp>
#include <cback/core/log.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

namespace cback::peer::detail {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_identity_attribute = "user.cback.source";
constexpr std::string_view k_partial_suffix = ".partial";
// Sizes travel as off_t in every system call that touches the file.
constexpr auto k_largest_size = static_cast<std::uint64_t>(std::numeric_limits<off_t>::max());

// One write in flight at a time: the partial file on disk is then always a
// prefix of the source file, whenever the process dies (with several writes
// in flight a later one could land before an earlier one, leaving a hole
// that a resume would take for data).
constexpr unsigned k_write_behind = 1;

// The disk writes of what has arrived start every few MiB, so that the
// fdatasync at the end of a file finds little left to write: the disk then
// works while the network does, instead of after it.
constexpr std::uint64_t k_write_back_step = std::uint64_t{8} << 20;

std::string identity_of(const SourceEntry& entry) {
  return fmt::format("{} {}", entry.size, entry.mtime);
}

std::optional<std::string> read_identity(int fd) {
  char value[128];
  const auto size = ::fgetxattr(fd, k_identity_attribute, value, sizeof value);
  if (size < 0) {
    return std::nullopt;
  }
  return std::string(value, static_cast<std::size_t>(size));
}

std::uint64_t size_of(int fd) {
  struct ::stat st {};
  return ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

std::string hex(const core::Digest& digest) {
  std::string text;
  for (const auto byte : digest) {
    text += fmt::format("{:02x}", byte);
  }
  return text;
}

// A listing comes from the peer, which may be hostile: every name must be
// one plain path component (an absolute name or one with "/" or ".."
// would write outside the peer's staging dir), appear once, and have a
// size a file can have. The peer fails on the first entry that does not.
void check_listing(const std::vector<SourceEntry>& entries, const std::string& peer) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& entry = entries[i];
    if (!core::is_plain_name(entry.name)) {
      throw Error(ExitCode::action,
                  fmt::format("{} lists an entry named [{}], which is not a plain file name "
                              "(empty, \".\", \"..\", too long, or with '/' or NUL): refusing "
                              "to stage it.",
                              peer, core::escape_field(entry.name)));
    }
    if (i > 0 && entries[i - 1].name == entry.name) {
      throw Error(ExitCode::action,
                  fmt::format("{} lists the entry [{}] twice: refusing an inconsistent listing.",
                              peer, core::escape_field(entry.name)));
    }
    if (entry.regular && entry.size > k_largest_size) {
      throw Error(ExitCode::action, fmt::format("{} lists [{}] with an impossible size of {} "
                                                "bytes.",
                                                peer, core::escape_field(entry.name), entry.size));
    }
  }
}

// Feeds the first `length` bytes of `fd` to `hash`: a resumed file is
// checked as a whole, the bytes of the earlier run included.
bool hash_prefix(int fd, std::uint64_t length, core::Sha256& hash) {
  std::vector<char> block(std::size_t{1} << 20);
  for (std::uint64_t done = 0; done < length;) {
    const auto want = std::min<std::uint64_t>(block.size(), length - done);
    const auto got = ::pread(fd, block.data(), want, static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      return false;
    }
    hash.update(block.data(), static_cast<std::size_t>(got));
    done += static_cast<std::uint64_t>(got);
  }
  return true;
}

} // namespace

Digests parse_digests(const std::optional<std::string>& text, const std::string& peer) {
  Digests digests;
  if (!text) {
    return digests;
  }
  auto manifest = collect::decode_manifest(*text);
  if (!manifest) {
    throw Error(ExitCode::action,
                fmt::format("The manifest of {} is unreadable: {}", peer, manifest.error()));
  }
  // A content index is checked like its archive; a manifest written before
  // there were indexes lists none, and its peer's files are staged as ever.
  for (auto* files : {&manifest->archives, &manifest->indexes}) {
    for (auto& file : *files) {
      digests.emplace(file.name, file);
    }
  }
  return digests;
}

// Directories and symlinks make the peer fail (the original's "Source is
// not a regular file.").
std::vector<SourceEntry> select_entries(std::vector<SourceEntry> listed, const Digests& digests,
                                        const std::string& peer, core::Logger& log) {
  std::sort(listed.begin(), listed.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  check_listing(listed, peer);
  std::vector<SourceEntry> wanted;
  for (auto& entry : listed) {
    if (!entry.regular) {
      throw Error(ExitCode::action,
                  fmt::format("Source [{}] of {} is not a regular file.", entry.name, peer));
    }
    if (entry.name.ends_with(k_partial_suffix)) {
      log.warning("Not staging [{}] of {}: an unfinished file.", entry.name, peer);
      continue;
    }
    wanted.push_back(std::move(entry));
  }
  for (const auto& digest : digests) {
    const std::string& name = digest.first;
    const auto& archive = digest.second;
    const auto found = std::find_if(wanted.begin(), wanted.end(),
                                    [&](const auto& entry) { return entry.name == name; });
    if (found == wanted.end()) {
      throw Error(ExitCode::action, fmt::format("Archive [{}] listed in the manifest of {} is "
                                                "missing from its collect directory.",
                                                name, peer));
    }
    // Checked before a byte is sent: a listing that claims a huge size
    // would otherwise fill the staging dir before the digest could fail.
    if (found->size != archive.size) {
      throw Error(ExitCode::action,
                  fmt::format("{}: [{}] is listed with {} bytes, but the manifest says {}.", peer,
                              name, found->size, archive.size));
    }
  }
  return wanted;
}

FileStager::FileStager(std::string peer, const fs::path& target_dir,
                       const TransferSettings& settings, core::Logger& log)
    : m_peer(std::move(peer)), m_dir(target_dir), m_settings(settings), m_log(log) {
  // The staging dir belongs to the backup user: its last component may
  // have been replaced by a symlink, which is not followed.
  m_dir_fd.reset(::open(target_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!m_dir_fd) {
    fail(fmt::format("unable to open the staging directory [{}]: {}", target_dir.string(),
                     std::strerror(errno)));
  }
  if (settings.bandwidth_limit) {
    m_throttle.emplace(*settings.bandwidth_limit);
  }
}

FileStager::~FileStager() = default;

void FileStager::fail(const std::string& message) const {
  throw Error(ExitCode::action, fmt::format("{}: {}", m_peer, message));
}

void FileStager::sync_dir() const {
  ::fsync(m_dir_fd.get());
}

core::BufferPool& FileStager::pool() {
  if (!m_pool) {
    m_pool.emplace(m_settings.buffer_count, m_settings.buffer_size);
  }
  return *m_pool;
}

core::Pacer::Seconds FileStager::pace_delay(std::int64_t bytes) {
  if (!m_throttle) {
    return core::Pacer::Seconds{0};
  }
  m_throttle->count(bytes);
  return m_throttle->ahead();
}

void FileStager::pace(std::int64_t bytes) {
  if (m_throttle) {
    m_throttle->pace(bytes, m_settings.stop);
  }
  if (m_settings.shared_limit != nullptr) {
    m_settings.shared_limit->pace(bytes, m_settings.stop);
  }
}

// The staged file when it is a regular file (never through a symlink)
// with the entry's size and identity, and the manifest's digest when it
// lists the file; otherwise no fd.
core::UniqueFd FileStager::already_staged(const SourceEntry& entry,
                                          const collect::ManifestArchive* archive) {
  auto staged = core::open_regular_beneath(m_dir_fd.get(), entry.name, O_RDONLY);
  if (!staged || size_of(staged->get()) != entry.size) {
    return {};
  }
  if (archive != nullptr) {
    core::Sha256 hash;
    if (!hash_prefix(staged->get(), entry.size, hash) || hash.finish() != archive->sha256) {
      return {};
    }
  } else if (read_identity(staged->get()) != identity_of(entry)) {
    return {};
  }
  return std::move(*staged);
}

// Opens NAME.partial into `fd` and returns the offset to continue from. A
// partial file is continued only when it is a regular file of its own (no
// symlink, no second hard link) written from this very version of the
// source file (same identity) and is not longer than it. Anything else at
// that name is removed and the file created afresh with O_EXCL, so root
// never writes through a link someone planted in the staging dir.
std::uint64_t FileStager::open_partial(const SourceEntry& entry, const std::string& partial,
                                       core::UniqueFd& fd) {
  if (auto existing = core::open_regular_beneath(m_dir_fd.get(), partial, O_RDWR); existing) {
    struct ::stat st {};
    const auto length =
        ::fstat(existing->get(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
    if (st.st_nlink == 1 && length > 0 && length <= entry.size &&
        read_identity(existing->get()) == identity_of(entry)) {
      fd = std::move(*existing);
      return length;
    }
  }
  if (::unlinkat(m_dir_fd.get(), partial.c_str(), 0) != 0 && errno != ENOENT) {
    fail(fmt::format("unable to remove [{}]: {}", path_of(partial), std::strerror(errno)));
  }
  fd = core::open_beneath(m_dir_fd.get(), partial, O_RDWR | O_CREAT | O_EXCL, entry.mode & 0777U);
  if (!fd) {
    fail(fmt::format("unable to create [{}]: {}", path_of(partial), std::strerror(errno)));
  }
  const auto identity = identity_of(entry);
  // Without user xattrs the partial file simply cannot be resumed later.
  (void)::fsetxattr(fd.get(), k_identity_attribute, identity.data(), identity.size(), 0);
  return 0;
}

// A listed size is the peer's word: the bytes still to come must fit in
// the staging file system before any is written, so a peer that claims
// (and sends) more than there is room for cannot fill the disk.
void FileStager::check_room(const SourceEntry& entry, const std::string& partial,
                            std::uint64_t offset) {
  struct ::statvfs vfs {};
  if (::fstatvfs(m_dir_fd.get(), &vfs) != 0) {
    return;
  }
  const auto free_bytes = static_cast<std::uint64_t>(vfs.f_bfree) * vfs.f_frsize;
  if (entry.size - offset > free_bytes) {
    if (offset == 0) {
      (void)::unlinkat(m_dir_fd.get(), partial.c_str(), 0); // just made, and empty
    }
    fail(fmt::format("[{}] is listed with {} bytes, more than the {} bytes free in [{}].",
                     entry.name, entry.size, free_bytes, m_dir.string()));
  }
}

void FileStager::give_away(int fd, const std::string& name) {
  const auto* ownership = m_settings.ownership;
  if (ownership == nullptr || ::geteuid() != 0) {
    return;
  }
  if (::fchown(fd, ownership->uid(), ownership->gid()) != 0) {
    m_log.error("Error changing ownership of [{}] to {}:{}: {}", path_of(name), ownership->uid(),
                ownership->gid(), std::strerror(errno));
  }
}

io::Engine& FileStager::engine() {
  if (!m_engine) {
    auto made = m_settings.backend->make_engine(k_write_behind);
    if (!made) {
      fail(made.error().message());
    }
    m_engine = std::move(*made);
  }
  return *m_engine;
}

std::optional<IncomingFile> FileStager::begin(const SourceEntry& entry,
                                              const collect::ManifestArchive* archive,
                                              TransferResult& result) {
  if (auto staged = already_staged(entry, archive)) {
    m_log.debug("[{}] of {} is already staged.", entry.name, m_peer);
    ++result.files_skipped;
    give_away(staged.get(), entry.name);
    ++result.files;
    result.bytes += entry.size;
    return std::nullopt;
  }
  IncomingFile file;
  file.entry = entry;
  file.archive = archive;
  file.partial = entry.name + std::string(k_partial_suffix);
  // Only a file the manifest lists has a digest to check: hashing the
  // others would cost CPU for nothing.
  if (archive != nullptr) {
    file.hash.emplace();
  }
  file.offset = open_partial(entry, file.partial, file.fd);
  file.done = file.offset;
  if (file.offset > 0) {
    m_log.info("Resuming [{}] of {} at byte {}.", entry.name, m_peer, file.offset);
    ++result.files_resumed;
  }
  check_room(entry, file.partial, file.offset);
  if (file.offset > 0 && file.hash && !hash_prefix(file.fd.get(), file.offset, *file.hash)) {
    fail(fmt::format("unable to read [{}]: {}", path_of(file.partial), std::strerror(errno)));
  }
  file.writer =
      std::make_unique<io::FileWriter>(engine(), file.fd.get(), m_dir / file.partial, file.offset);
  file.writer->write_back_every(k_write_back_step);
  return file;
}

bool FileStager::take(IncomingFile& file, core::Buffer buffer, TransferResult& result) {
  const auto size = buffer.size();
  // A source never sends past the listed size; a buggy or hostile one is
  // stopped here before the bytes reach the disk.
  if (size > file.entry.size - file.done) {
    file.done += size;
    return false;
  }
  if (file.hash) {
    file.hash->update(buffer.data(), size);
  }
  if (auto written = file.writer->write(std::move(buffer)); !written) {
    file.write_error = written.error();
    return false;
  }
  file.done += size;
  result.sent += size;
  return true;
}

void FileStager::finish(IncomingFile& file, bool finished, TransferResult& result) {
  const auto& entry = file.entry;
  if (const auto synced = file.writer->sync(); !synced && !file.write_error) {
    file.write_error = synced.error();
  }
  file.writer.reset();
  if (file.write_error) {
    fail(file.write_error->message());
  }
  if (file.done > entry.size) {
    fail(fmt::format("[{}] sent more than its listed size of {} bytes.", entry.name, entry.size));
  }
  if (!finished) {
    if (m_settings.stop != nullptr) {
      m_settings.stop->check();
    }
    fail(fmt::format("the transfer of [{}] was abandoned.", entry.name));
  }
  if (file.done != entry.size) {
    fail(fmt::format("[{}] arrived with {} bytes, not {}.", entry.name, file.done, entry.size));
  }
  verify(file);
  // rename() replaces whatever is at NAME (a symlink included) and follows
  // nothing.
  if (::renameat(m_dir_fd.get(), file.partial.c_str(), m_dir_fd.get(), entry.name.c_str()) != 0) {
    fail(fmt::format("unable to rename [{}]: {}", path_of(file.partial), std::strerror(errno)));
  }
  give_away(file.fd.get(), entry.name);
  ++result.files;
  result.bytes += entry.size;
}

void FileStager::verify(IncomingFile& file) {
  if (file.archive == nullptr || !file.hash) {
    return;
  }
  const auto digest = file.hash->finish();
  const auto& entry = file.entry;
  if (file.archive->size != entry.size || file.archive->sha256 != digest) {
    (void)::unlinkat(m_dir_fd.get(), file.partial.c_str(), 0);
    fail(fmt::format("checksum mismatch for [{}]: the manifest says {} bytes, SHA-256 {}; "
                     "received {} bytes, SHA-256 {}.",
                     entry.name, file.archive->size, hex(file.archive->sha256), entry.size,
                     hex(digest)));
  }
}

} // namespace cback::peer::detail
