#include <cback/peer/transfer.hpp>

#include <cback/collect/digest.hpp>
#include <cback/collect/manifest.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/io/file_writer.hpp>
#include <cback/peer/throttle.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <fmt/format.h>

namespace cback::peer {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_identity_attribute = "user.cback.source";
constexpr std::string_view k_partial_suffix = ".partial";

using Digests = std::map<std::string, collect::ManifestArchive, std::less<>>;

std::string identity_of(const SourceEntry& entry) {
  return fmt::format("{} {}", entry.size, entry.mtime);
}

std::optional<std::string> read_identity(const fs::path& path) {
  char value[128];
  const auto size = ::getxattr(path.c_str(), k_identity_attribute, value, sizeof value);
  if (size < 0) {
    return std::nullopt;
  }
  return std::string(value, static_cast<std::size_t>(size));
}

std::uint64_t size_or_zero(const fs::path& path, bool& exists) {
  struct ::stat st {};
  exists = ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  return exists ? static_cast<std::uint64_t>(st.st_size) : 0;
}

std::string hex(const collect::Digest& digest) {
  std::string text;
  for (const auto byte : digest) {
    text += fmt::format("{:02x}", byte);
  }
  return text;
}

// The manifest's archives by name; none when the peer wrote no manifest.
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
  for (auto& archive : manifest->archives) {
    digests.emplace(archive.name, archive);
  }
  return digests;
}

// The entries to stage, sorted by name. Directories and symlinks make the
// peer fail (the original's "Source is not a regular file."); partial files
// of a collect that died are not backup data.
std::vector<SourceEntry> entries_to_stage(PeerSource& source, const Digests& digests,
                                          core::Logger& log) {
  auto entries = source.list();
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
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
    const bool listed = std::any_of(wanted.begin(), wanted.end(),
                                    [&](const auto& entry) { return entry.name == name; });
    if (!listed) {
      throw Error(ExitCode::action, fmt::format("Archive [{}] listed in the manifest of {} is "
                                                "missing from its collect directory.",
                                                name, source.describe()));
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
    if (settings.bandwidth_limit) {
      m_throttle.emplace(*settings.bandwidth_limit);
    }
  }

  void stage(const SourceEntry& entry, const collect::ManifestArchive* archive,
             TransferResult& result);

private:
  bool already_staged(const SourceEntry& entry, const collect::ManifestArchive* archive);
  std::uint64_t resumable_length(const SourceEntry& entry, const fs::path& partial);
  void copy(const SourceEntry& entry, const fs::path& partial, std::uint64_t offset,
            collect::Sha256* hash, TransferResult& result);
  void verify(const SourceEntry& entry, const collect::ManifestArchive* archive,
              const fs::path& partial, collect::Sha256* hash);
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(ExitCode::action, fmt::format("{}: {}", m_source.describe(), message));
  }

  PeerSource& m_source;
  fs::path m_dir;
  const TransferSettings& m_settings;
  core::Logger& m_log;
  core::BufferPool m_pool;
  std::optional<Throttle> m_throttle;
};

bool FileStager::already_staged(const SourceEntry& entry, const collect::ManifestArchive* archive) {
  const auto target = m_dir / entry.name;
  bool exists = false;
  if (size_or_zero(target, exists) != entry.size || !exists) {
    return false;
  }
  if (archive != nullptr) {
    const auto digest = collect::sha256_file(target.string());
    return digest && *digest == archive->sha256;
  }
  return read_identity(target) == identity_of(entry);
}

// A partial file is continued only when it was written from this very
// version of the source file (same identity) and is not longer than it.
std::uint64_t FileStager::resumable_length(const SourceEntry& entry, const fs::path& partial) {
  bool exists = false;
  const auto length = size_or_zero(partial, exists);
  if (!exists || length == 0 || length > entry.size ||
      read_identity(partial) != identity_of(entry)) {
    return 0;
  }
  return length;
}

void FileStager::stage(const SourceEntry& entry, const collect::ManifestArchive* archive,
                       TransferResult& result) {
  if (already_staged(entry, archive)) {
    m_log.debug("[{}] of {} is already staged.", entry.name, m_source.describe());
    ++result.files_skipped;
  } else {
    const auto partial = m_dir / (entry.name + std::string(k_partial_suffix));
    // Only a file the manifest lists has a digest to check: hashing the
    // others would cost CPU for nothing.
    std::optional<collect::Sha256> digest;
    if (archive != nullptr) {
      digest.emplace();
    }
    collect::Sha256* hash = digest ? &*digest : nullptr;
    const auto offset = resumable_length(entry, partial);
    if (offset > 0) {
      m_log.info("Resuming [{}] of {} at byte {}.", entry.name, m_source.describe(), offset);
      ++result.files_resumed;
    }
    copy(entry, partial, offset, hash, result);
    verify(entry, archive, partial, hash);
    std::error_code error;
    fs::rename(partial, m_dir / entry.name, error);
    if (error) {
      fail(fmt::format("unable to rename [{}]: {}", partial.string(), error.message()));
    }
  }
  if (m_settings.ownership != nullptr) {
    m_settings.ownership->apply(m_dir / entry.name, m_log);
  }
  ++result.files;
  result.bytes += entry.size;
}

// Feeds the first `length` bytes of `fd` to `hash`: a resumed file is
// checked as a whole, the bytes of the earlier run included.
bool hash_prefix(int fd, std::uint64_t length, collect::Sha256& hash) {
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

// One write in flight at a time: the partial file on disk is then always a
// prefix of the source file, whenever the process dies (with several writes
// in flight a later one could land before an earlier one, leaving a hole
// that a resume would take for data).
constexpr unsigned k_write_behind = 1;

// Starts the disk writes of what has arrived every few MiB, so that the
// fdatasync at the end of a file finds little left to write: the disk then
// works while the network does, instead of after it.
class Writeback {
public:
  explicit Writeback(int fd, std::uint64_t offset) : m_fd(fd), m_started(offset) {}

  void arrived(std::uint64_t done) {
    constexpr std::uint64_t k_step = std::uint64_t{8} << 20;
    if (done - m_started >= k_step) {
      (void)::sync_file_range(m_fd, static_cast<off_t>(m_started),
                              static_cast<off_t>(done - m_started), SYNC_FILE_RANGE_WRITE);
      m_started = done;
    }
  }

private:
  int m_fd;
  std::uint64_t m_started;
};

void FileStager::copy(const SourceEntry& entry, const fs::path& partial, std::uint64_t offset,
                      collect::Sha256* hash, TransferResult& result) {
  const int flags = O_RDWR | O_CREAT | O_CLOEXEC | (offset == 0 ? O_TRUNC : 0);
  const core::UniqueFd fd(::open(partial.c_str(), flags, entry.mode & 0777U));
  if (!fd) {
    fail(fmt::format("unable to create [{}]: {}", partial.string(), std::strerror(errno)));
  }
  const auto identity = identity_of(entry);
  // Without user xattrs the partial file simply cannot be resumed later.
  (void)::fsetxattr(fd.get(), k_identity_attribute, identity.data(), identity.size(), 0);
  if (offset > 0 && hash != nullptr && !hash_prefix(fd.get(), offset, *hash)) {
    fail(fmt::format("unable to read [{}]: {}", partial.string(), std::strerror(errno)));
  }
  auto engine = m_settings.backend->make_engine(k_write_behind);
  if (!engine) {
    fail(engine.error().message());
  }
  io::FileWriter writer(std::move(*engine), fd.get(), partial, offset);
  std::optional<io::IoError> write_error;
  std::uint64_t done = offset;
  Writeback writeback(fd.get(), offset);
  const auto sink = [&](core::Buffer buffer) {
    const auto size = buffer.size();
    if (hash != nullptr) {
      hash->update(buffer.data(), size);
    }
    if (auto written = writer.write(std::move(buffer)); !written) {
      write_error = written.error();
      return false;
    }
    done += size;
    result.sent += size;
    writeback.arrived(done);
    if (m_settings.progress) {
      m_settings.progress(entry.name, done, entry.size);
    }
    if (m_throttle) {
      m_throttle->consumed(size, m_settings.stop);
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
                        const fs::path& partial, collect::Sha256* hash) {
  if (archive == nullptr || hash == nullptr) {
    return;
  }
  const auto digest = hash->finish();
  if (archive->size != entry.size || archive->sha256 != digest) {
    std::error_code ignored;
    fs::remove(partial, ignored);
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
  if (const core::UniqueFd dir(::open(target_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      dir) {
    ::fsync(dir.get()); // the renames
  }
}

} // namespace cback::peer
