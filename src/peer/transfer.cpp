#include <cback/peer/transfer.hpp>

#include <cback/collect/manifest.hpp>
#include <cback/core/beneath.hpp>
#include <cback/core/digest.hpp>
#include <cback/core/error.hpp>
#include <cback/core/field_escape.hpp>
#include <cback/core/log.hpp>
#include <cback/core/pacer.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/io/file_writer.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

namespace cback::peer {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_identity_attribute = "user.cback.source";
constexpr std::string_view k_partial_suffix = ".partial";
// Sizes travel as off_t in every system call that touches the file.
constexpr auto k_largest_size = static_cast<std::uint64_t>(std::numeric_limits<off_t>::max());

using Digests = std::map<std::string, collect::ManifestArchive, std::less<>>;

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

// The manifest's archives and content indexes by name; none when the peer
// wrote no manifest.
Digests load_digests(PeerSource& source, const std::string& peer) {
  Digests digests;
  const auto text = source.read_small(std::string(collect::k_manifest_file_name));
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

// The entries to stage, sorted by name. Directories and symlinks make the
// peer fail (the original's "Source is not a regular file."); partial files
// of a collect that died are not backup data.
std::vector<SourceEntry> entries_to_stage(PeerSource& source, const Digests& digests,
                                          core::Logger& log) {
  auto entries = source.list();
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  check_listing(entries, source.describe());
  std::vector<SourceEntry> wanted;
  for (auto& entry : entries) {
    if (!entry.regular) {
      throw Error(ExitCode::action, fmt::format("Source [{}] of {} is not a regular file.",
                                                entry.name, source.describe()));
    }
    if (entry.name.ends_with(k_partial_suffix)) {
      log.warning("Not staging [{}] of {}: an unfinished file.", entry.name, source.describe());
      continue;
    }
    wanted.push_back(std::move(entry));
  }
  for (const auto& digest : digests) {
    const std::string& name = digest.first;
    const auto& archive = digest.second;
    const auto listed = std::find_if(wanted.begin(), wanted.end(),
                                     [&](const auto& entry) { return entry.name == name; });
    if (listed == wanted.end()) {
      throw Error(ExitCode::action, fmt::format("Archive [{}] listed in the manifest of {} is "
                                                "missing from its collect directory.",
                                                name, source.describe()));
    }
    // Checked before a byte is sent: a listing that claims a huge size
    // would otherwise fill the staging dir before the digest could fail.
    if (listed->size != archive.size) {
      throw Error(ExitCode::action,
                  fmt::format("{}: [{}] is listed with {} bytes, but the manifest says {}.",
                              source.describe(), name, listed->size, archive.size));
    }
  }
  return wanted;
}

class FileStager {
public:
  FileStager(PeerSource& source, const fs::path& target_dir, const TransferSettings& settings,
             core::Logger& log)
      : m_source(source), m_dir(target_dir), m_settings(settings), m_log(log),
        m_pool(settings.buffer_count, settings.buffer_size) {
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

  void stage(const SourceEntry& entry, const collect::ManifestArchive* archive,
             TransferResult& result);
  /// Makes the renames durable.
  void sync_dir() const { ::fsync(m_dir_fd.get()); }

private:
  core::UniqueFd already_staged(const SourceEntry& entry, const collect::ManifestArchive* archive);
  std::uint64_t open_partial(const SourceEntry& entry, const std::string& partial,
                             core::UniqueFd& fd);
  void check_room(const SourceEntry& entry, const std::string& partial, std::uint64_t offset);
  void copy(const SourceEntry& entry, int fd, const std::string& partial, std::uint64_t offset,
            core::Sha256* hash, TransferResult& result);
  void verify(const SourceEntry& entry, const collect::ManifestArchive* archive,
              const std::string& partial, core::Sha256* hash);
  void give_away(int fd, const std::string& name);
  io::Engine& engine();
  [[nodiscard]] std::string path_of(const std::string& name) const {
    return (m_dir / name).string();
  }
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(ExitCode::action, fmt::format("{}: {}", m_source.describe(), message));
  }

  PeerSource& m_source;
  fs::path m_dir;
  core::UniqueFd m_dir_fd; ///< every staged file is opened beneath it
  const TransferSettings& m_settings;
  core::Logger& m_log;
  core::BufferPool m_pool;
  std::optional<core::Pacer> m_throttle;
  /// Writes every file of the peer in turn (made at the first one sent).
  std::unique_ptr<io::Engine> m_engine;
};

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

void FileStager::stage(const SourceEntry& entry, const collect::ManifestArchive* archive,
                       TransferResult& result) {
  auto staged = already_staged(entry, archive);
  if (staged) {
    m_log.debug("[{}] of {} is already staged.", entry.name, m_source.describe());
    ++result.files_skipped;
  } else {
    const auto partial = entry.name + std::string(k_partial_suffix);
    // Only a file the manifest lists has a digest to check: hashing the
    // others would cost CPU for nothing.
    std::optional<core::Sha256> digest;
    if (archive != nullptr) {
      digest.emplace();
    }
    core::Sha256* hash = digest ? &*digest : nullptr;
    core::UniqueFd fd;
    const auto offset = open_partial(entry, partial, fd);
    if (offset > 0) {
      m_log.info("Resuming [{}] of {} at byte {}.", entry.name, m_source.describe(), offset);
      ++result.files_resumed;
    }
    check_room(entry, partial, offset);
    copy(entry, fd.get(), partial, offset, hash, result);
    verify(entry, archive, partial, hash);
    // rename() replaces whatever is at NAME (a symlink included) and
    // follows nothing.
    if (::renameat(m_dir_fd.get(), partial.c_str(), m_dir_fd.get(), entry.name.c_str()) != 0) {
      fail(fmt::format("unable to rename [{}]: {}", path_of(partial), std::strerror(errno)));
    }
    staged = std::move(fd);
  }
  give_away(staged.get(), entry.name);
  ++result.files;
  result.bytes += entry.size;
}

// One write in flight at a time: the partial file on disk is then always a
// prefix of the source file, whenever the process dies (with several writes
// in flight a later one could land before an earlier one, leaving a hole
// that a resume would take for data).
constexpr unsigned k_write_behind = 1;

// The disk writes of what has arrived start every few MiB, so that the
// fdatasync at the end of a file finds little left to write: the disk then
// works while the network does, instead of after it.
constexpr std::uint64_t k_write_back_step = std::uint64_t{8} << 20;

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

void FileStager::copy(const SourceEntry& entry, int fd, const std::string& partial,
                      std::uint64_t offset, core::Sha256* hash, TransferResult& result) {
  if (offset > 0 && hash != nullptr && !hash_prefix(fd, offset, *hash)) {
    fail(fmt::format("unable to read [{}]: {}", path_of(partial), std::strerror(errno)));
  }
  io::FileWriter writer(engine(), fd, m_dir / partial, offset);
  writer.write_back_every(k_write_back_step);
  std::optional<io::IoError> write_error;
  std::uint64_t done = offset;
  const auto sink = [&](core::Buffer buffer) {
    const auto size = buffer.size();
    // A source never sends past the listed size; a buggy or hostile one
    // is stopped here before the bytes reach the disk.
    if (size > entry.size - done) {
      done += size;
      return false;
    }
    if (hash != nullptr) {
      hash->update(buffer.data(), size);
    }
    if (auto written = writer.write(std::move(buffer)); !written) {
      write_error = written.error();
      return false;
    }
    done += size;
    result.sent += size;
    if (m_settings.progress) {
      m_settings.progress(entry.name, done, entry.size);
    }
    if (m_throttle) {
      m_throttle->pace(size, m_settings.stop);
    }
    if (m_settings.shared_limit != nullptr) {
      m_settings.shared_limit->pace(static_cast<std::int64_t>(size), m_settings.stop);
    }
    return m_settings.stop == nullptr || !m_settings.stop->requested();
  };
  const bool finished = m_source.pull(entry, offset, m_pool, sink);
  if (const auto synced = writer.sync(); !synced && !write_error) {
    write_error = synced.error();
  }
  if (write_error) {
    fail(write_error->message());
  }
  if (done > entry.size) {
    fail(fmt::format("[{}] sent more than its listed size of {} bytes.", entry.name, entry.size));
  }
  if (!finished) {
    if (m_settings.stop != nullptr) {
      m_settings.stop->check();
    }
    fail(fmt::format("the transfer of [{}] was abandoned.", entry.name));
  }
  if (done != entry.size) {
    fail(fmt::format("[{}] arrived with {} bytes, not {}.", entry.name, done, entry.size));
  }
}

void FileStager::verify(const SourceEntry& entry, const collect::ManifestArchive* archive,
                        const std::string& partial, core::Sha256* hash) {
  if (archive == nullptr || hash == nullptr) {
    return;
  }
  const auto digest = hash->finish();
  if (archive->size != entry.size || archive->sha256 != digest) {
    (void)::unlinkat(m_dir_fd.get(), partial.c_str(), 0);
    fail(fmt::format("checksum mismatch for [{}]: the manifest says {} bytes, SHA-256 {}; "
                     "received {} bytes, SHA-256 {}.",
                     entry.name, archive->size, hex(archive->sha256), entry.size, hex(digest)));
  }
}

} // namespace

TransferResult transfer_peer(PeerSource& source, const fs::path& target_dir,
                             const TransferSettings& settings, core::Logger& log) {
  TransferResult result;
  transfer_peer(source, target_dir, settings, log, result);
  return result;
}

void transfer_peer(PeerSource& source, const fs::path& target_dir, const TransferSettings& settings,
                   core::Logger& log, TransferResult& result) {
  const auto digests = load_digests(source, source.describe());
  const auto entries = entries_to_stage(source, digests, log);
  FileStager stager(source, target_dir, settings, log);
  for (const auto& entry : entries) {
    if (settings.stop != nullptr) {
      settings.stop->check();
    }
    const auto found = digests.find(entry.name);
    stager.stage(entry, found == digests.end() ? nullptr : &found->second, result);
  }
  stager.sync_dir();
}

} // namespace cback::peer
