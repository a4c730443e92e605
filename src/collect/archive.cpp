#include <cback/collect/archive.hpp>

#include "archive_input.hpp"
#include "archive_output.hpp"

#include <cback/core/atomic_file.hpp>
#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>
#include <cback/io/stream_reader.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <fcntl.h>
#include <grp.h>
#include <locale.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace cback::collect {

namespace {

using detail::ContentReader;
using detail::OpenedFile;
using detail::TarEncoder;
using detail::WindowEntry;

/// Makes the calling thread's LC_CTYPE UTF-8 for the life of the guard.
/// libarchive's pax writer converts names from the locale's charset to
/// UTF-8; in the C locale every non-ASCII name would get a
/// hdrcharset=BINARY header. A thread locale (uselocale) leaves the
/// process locale alone. Names that are not valid UTF-8 still get BINARY
/// headers with their bytes kept, which is what pax prescribes.
class Utf8Locale {
public:
  Utf8Locale() {
    for (const char* name : {"C.UTF-8", "C.utf8", "en_US.UTF-8"}) {
      m_locale = ::newlocale(LC_CTYPE_MASK, name, static_cast<locale_t>(nullptr));
      if (m_locale != static_cast<locale_t>(nullptr)) {
        m_previous = ::uselocale(m_locale);
        return;
      }
    }
  }
  ~Utf8Locale() {
    if (m_locale != static_cast<locale_t>(nullptr)) {
      ::uselocale(m_previous);
      ::freelocale(m_locale);
    }
  }
  Utf8Locale(const Utf8Locale&) = delete;
  Utf8Locale& operator=(const Utf8Locale&) = delete;

private:
  locale_t m_locale = static_cast<locale_t>(nullptr);
  locale_t m_previous = static_cast<locale_t>(nullptr);
};

/// uid → user name and gid → group name, each looked up once.
class OwnerNames {
public:
  const std::string& user(std::uint32_t uid) {
    auto [it, inserted] = m_users.try_emplace(uid);
    if (inserted) {
      std::vector<char> scratch(16384);
      struct passwd entry {};
      struct passwd* found = nullptr;
      if (::getpwuid_r(uid, &entry, scratch.data(), scratch.size(), &found) == 0 &&
          found != nullptr) {
        it->second = found->pw_name;
      }
    }
    return it->second;
  }
  const std::string& group(std::uint32_t gid) {
    auto [it, inserted] = m_groups.try_emplace(gid);
    if (inserted) {
      std::vector<char> scratch(16384);
      struct group entry {};
      struct group* found = nullptr;
      if (::getgrgid_r(gid, &entry, scratch.data(), scratch.size(), &found) == 0 &&
          found != nullptr) {
        it->second = found->gr_name;
      }
    }
    return it->second;
  }

private:
  std::unordered_map<std::uint32_t, std::string> m_users;
  std::unordered_map<std::uint32_t, std::string> m_groups;
};

struct EntryDeleter {
  void operator()(archive_entry* entry) const noexcept { archive_entry_free(entry); }
};
using EntryPtr = std::unique_ptr<archive_entry, EntryDeleter>;

struct DiskDeleter {
  void operator()(struct archive* disk) const noexcept { archive_read_free(disk); }
};
using DiskPtr = std::unique_ptr<struct archive, DiskDeleter>;

/// The member name: the absolute path without its leading slashes, as GNU
/// tar stores absolute paths.
std::string member_name(const std::string& path) {
  const auto start = path.find_first_not_of('/');
  return start == std::string::npos ? std::string(".") : path.substr(start);
}

/// The content index's record of an entry whose header was written at
/// `offset`: its member name as the tar stores it (libarchive ends a
/// directory's with '/').
IndexEntry index_entry(const Entry& entry, archive_entry* archive, std::uint64_t offset) {
  std::string path = member_name(entry.path);
  if (entry.kind == EntryKind::directory && !path.ends_with('/')) {
    path += '/';
  }
  return index_entry_of(archive, std::move(path), offset);
}

struct SizeChange {
  std::uint64_t stored = 0; ///< bytes of content written
  std::uint64_t size = 0;   ///< bytes the header promised
  bool grew = false;
  std::optional<std::string> read_error;
};

/// Problem text for content that did not match its header.
std::optional<std::string> describe(const SizeChange& change) {
  if (change.read_error) {
    return fmt::format("read failed after {} of {} bytes ({}); padded with zeros", change.stored,
                       change.size, *change.read_error);
  }
  if (change.grew) {
    return fmt::format("grew while being archived; truncated to its {} bytes at open", change.size);
  }
  if (change.stored < change.size) {
    return fmt::format("shrank while being archived ({} of {} bytes read); padded with zeros",
                       change.stored, change.size);
  }
  return std::nullopt;
}

} // namespace

/// Everything one archive works with. Members are destroyed in reverse
/// order: the reader first, then the encoder (which, unclosed, writes no
/// trailer), the sink (waits for its writes), and the partial file last.
class ArchiveStream::Impl {
public:
  Impl(const std::filesystem::path& target, const ArchiveOptions& options, io::Backend& backend,
       const core::StopFlag& stop, ProgressCallback progress)
      : m_target(target), m_backend(backend), m_stop(stop), m_progress(std::move(progress)),
        m_file(target), m_sink(backend, m_file.fd(), m_file.partial_path()),
        m_encoder(options, m_sink, target), m_reader(backend, options.read_depth),
        m_stream_pool(6) {
    if (options.xattrs_and_acls) {
      m_disk.reset(archive_read_disk_new());
      if (!m_disk) {
        throw Error(ExitCode::action, "Cannot create a libarchive disk reader: out of memory");
      }
      archive_read_disk_set_behavior(m_disk.get(),
                                     ARCHIVE_READDISK_NO_SPARSE | ARCHIVE_READDISK_NO_FFLAGS);
    }
  }

  void add(Entry entry) {
    m_stop.check();
    while (m_reader.full()) {
      write_next();
    }
    ++m_state.entries_total;
    m_reader.push(std::move(entry));
  }

  ArchiveResult commit();

private:
  void write_next();
  void write_entry(WindowEntry& item);
  void write_directory(const Entry& entry);
  void write_symlink(const Entry& entry);
  void write_file(WindowEntry& item);
  /// False when the entry could not be stored.
  bool write_file_content(const Entry& entry, OpenedFile& file, EntryPtr archive);
  SizeChange write_whole(OpenedFile& file, std::uint64_t size);
  SizeChange write_stream(const Entry& entry, OpenedFile& file, std::uint64_t size);
  EntryPtr make_entry(const Entry& entry, int fd, const struct ::stat* st);
  bool put_header(const Entry& entry, archive_entry* archive);
  void problem(const Entry& entry, std::string message);
  void report(bool force);

  const Utf8Locale m_utf8; ///< first: the encoder converts names while it lives
  std::filesystem::path m_target;
  io::Backend& m_backend;
  const core::StopFlag& m_stop;
  ProgressCallback m_progress;
  ArchiveResult m_result;
  core::AtomicFile m_file;
  detail::ArchiveSink m_sink;
  TarEncoder m_encoder;
  ContentReader m_reader;
  core::BufferPool m_stream_pool; ///< chunks of large files
  /// Reads every large file of the archive in turn (made at the first).
  std::unique_ptr<io::Engine> m_stream_engine;
  static constexpr unsigned k_stream_read_ahead = 4;
  DiskPtr m_disk;
  OwnerNames m_owners;
  /// (dev, ino) of hard-linked files stored so far → their member name.
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> m_links;
  ArchiveProgress m_state;
  std::chrono::steady_clock::time_point m_last_report{};
};

ArchiveResult ArchiveStream::Impl::commit() {
  while (!m_reader.empty()) {
    write_next();
  }
  m_encoder.close();
  m_sink.finish();
  m_result.frames = m_encoder.frames();
  m_result.size = m_sink.size();
  m_result.sha256 = m_sink.digest();
  m_file.commit();
  m_result.path = m_target;
  if (m_progress) {
    m_progress(ArchiveProgress{m_state.entries_total, m_state.entries_total, m_result.input_bytes,
                               m_result.size});
  }
  return std::move(m_result);
}

void ArchiveStream::Impl::write_next() {
  m_stop.check();
  WindowEntry item = m_reader.pop();
  write_entry(item);
  ++m_state.entries_done;
  report(false);
}

void ArchiveStream::Impl::report(bool force) {
  if (!m_progress) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - m_last_report < std::chrono::milliseconds(200)) {
    return;
  }
  m_last_report = now;
  m_state.input_bytes = m_result.input_bytes;
  m_state.output_bytes = m_sink.size();
  m_progress(m_state);
}

void ArchiveStream::Impl::problem(const Entry& entry, std::string message) {
  m_result.problems.push_back(Problem{entry.path, std::move(message)});
}

void ArchiveStream::Impl::write_entry(WindowEntry& item) {
  const Entry& entry = item.entry;
  switch (entry.kind) {
  case EntryKind::directory:
    write_directory(entry);
    break;
  case EntryKind::symlink:
    write_symlink(entry);
    break;
  case EntryKind::file:
    write_file(item);
    break;
  }
}

EntryPtr ArchiveStream::Impl::make_entry(const Entry& entry, int fd, const struct ::stat* st) {
  EntryPtr archive(archive_entry_new());
  if (!archive) {
    throw Error(ExitCode::action, "Cannot create an archive entry: out of memory");
  }
  archive_entry_copy_pathname(archive.get(), member_name(entry.path).c_str());
  if (m_disk && fd >= 0) {
    // Reads xattrs and ACLs through the open fd; the stat fields it also
    // copies are replaced below by the walker's.
    archive_entry_copy_sourcepath(archive.get(), entry.path.c_str());
    archive_read_disk_entry_from_file(m_disk.get(), archive.get(), fd, st);
    archive_entry_sparse_clear(archive.get());
    archive_entry_unset_atime(archive.get());
    archive_entry_unset_ctime(archive.get());
    archive_entry_unset_birthtime(archive.get());
  }
  const FileStat& stat = entry.stat;
  archive_entry_set_mode(archive.get(), stat.mode);
  archive_entry_set_uid(archive.get(), stat.uid);
  archive_entry_set_gid(archive.get(), stat.gid);
  archive_entry_copy_uname(archive.get(), m_owners.user(stat.uid).c_str());
  archive_entry_copy_gname(archive.get(), m_owners.group(stat.gid).c_str());
  archive_entry_set_mtime(archive.get(), stat.mtime_ns / 1000000000, stat.mtime_ns % 1000000000);
  archive_entry_set_size(archive.get(), 0);
  return archive;
}

bool ArchiveStream::Impl::put_header(const Entry& entry, archive_entry* archive) {
  std::string why;
  std::uint64_t offset = 0;
  if (m_encoder.header(archive, why, offset)) {
    ++m_result.entries;
    m_result.index.push_back(index_entry(entry, archive, offset));
    return true;
  }
  problem(entry, fmt::format("cannot be stored in the archive ({}); not archived", why));
  return false;
}

void ArchiveStream::Impl::write_directory(const Entry& entry) {
  core::UniqueFd fd;
  struct ::stat st {};
  if (m_disk) {
    // Opened only to read its xattrs and ACLs; a directory that cannot be
    // opened is still stored from the walker's stat.
    fd.reset(::open(entry.path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    const int error = fd ? 0 : errno;
    if (error == ENOENT) {
      problem(entry, "vanished before it was archived; not archived");
      return;
    }
    if (fd && ::fstat(fd.get(), &st) != 0) {
      fd.reset();
    }
  }
  const EntryPtr archive = make_entry(entry, fd.get(), fd ? &st : nullptr);
  put_header(entry, archive.get());
}

void ArchiveStream::Impl::write_symlink(const Entry& entry) {
  std::string target(4096, '\0');
  const ssize_t length = ::readlink(entry.path.c_str(), target.data(), target.size());
  if (length < 0) {
    const int error = errno;
    problem(entry, error == ENOENT
                       ? "vanished before it was archived; not archived"
                       : fmt::format("cannot be read ({}); not archived", std::strerror(error)));
    return;
  }
  target.resize(static_cast<std::size_t>(length));
  const EntryPtr archive = make_entry(entry, -1, nullptr);
  archive_entry_copy_symlink(archive.get(), target.c_str());
  put_header(entry, archive.get());
}

void ArchiveStream::Impl::write_file(WindowEntry& item) {
  const Entry& entry = item.entry;
  const std::pair key{entry.stat.dev, entry.stat.ino};
  if (entry.hardlink_candidate()) {
    if (const auto link = m_links.find(key); link != m_links.end()) {
      EntryPtr archive = make_entry(entry, -1, nullptr);
      archive_entry_copy_hardlink(archive.get(), link->second.c_str());
      put_header(entry, archive.get());
      return;
    }
  }
  // A later name of a hard-linked file whose first name was not stored is
  // opened here, out of the read-ahead.
  OpenedFile file = item.file ? std::move(*item.file) : detail::open_regular(entry.path);
  if (file.failure) {
    problem(entry, *file.failure);
    return;
  }
  const auto size = static_cast<std::uint64_t>(file.st.st_size);
  if (size != static_cast<std::uint64_t>(entry.stat.size)) {
    problem(entry, fmt::format("changed size since it was listed ({} bytes, then {} at open); "
                               "archived as it was at open",
                               entry.stat.size, size));
  }
  EntryPtr archive = make_entry(entry, file.fd.get(), &file.st);
  archive_entry_set_size(archive.get(), static_cast<la_int64_t>(size));
  if (file.whole() && (!file.read || !file.read->ok())) {
    const std::string why =
        file.read && file.read->error ? file.read->error->message() : "no read result";
    problem(entry, fmt::format("cannot be read ({}); not archived", why));
    return;
  }
  if (write_file_content(entry, file, std::move(archive)) && entry.hardlink_candidate()) {
    m_links.emplace(key, member_name(entry.path));
  }
}

bool ArchiveStream::Impl::write_file_content(const Entry& entry, OpenedFile& file,
                                             EntryPtr archive) {
  if (!put_header(entry, archive.get())) {
    return false;
  }
  const auto size = static_cast<std::uint64_t>(archive_entry_size(archive.get()));
  const SizeChange change =
      file.whole() ? write_whole(file, size) : write_stream(entry, file, size);
  if (change.stored < change.size) {
    m_encoder.zeros(change.size - change.stored);
  }
  m_result.input_bytes += change.stored;
  if (auto message = describe(change)) {
    problem(entry, std::move(*message));
  }
  return true;
}

SizeChange ArchiveStream::Impl::write_whole(OpenedFile& file, std::uint64_t size) {
  const auto data = file.read->data();
  SizeChange change{std::min<std::uint64_t>(data.size(), size), size, data.size() > size, {}};
  m_encoder.data(data.first(static_cast<std::size_t>(change.stored)));
  return change;
}

SizeChange ArchiveStream::Impl::write_stream(const Entry& entry, OpenedFile& file,
                                             std::uint64_t size) {
  SizeChange change{0, size, false, {}};
  if (size == 0) {
    return change;
  }
  if (!m_stream_engine) {
    // Made at the first large file and kept for the others: one ring (or
    // completion queue) per archive, not per file.
    auto engine = m_backend.make_engine(k_stream_read_ahead);
    if (!engine) {
      engine.error().path = entry.path;
      change.read_error = engine.error().message();
      return change;
    }
    m_stream_engine = std::move(*engine);
  }
  io::StreamReader reader(*m_stream_engine, file.fd.get(), entry.path, m_stream_pool);
  while (change.stored < size) {
    m_stop.check();
    auto chunk = reader.next();
    if (!chunk) {
      change.read_error = std::strerror(chunk.error().error_number);
      break;
    }
    if (!*chunk) {
      break; // end of file
    }
    const auto bytes = (*chunk)->bytes();
    const auto take = std::min<std::uint64_t>(bytes.size(), size - change.stored);
    change.grew = take < bytes.size();
    m_encoder.data(bytes.first(static_cast<std::size_t>(take)));
    change.stored += take;
    report(false);
  }
  if (change.stored == size && !change.grew) {
    // One more chunk tells whether the file goes on past its size.
    auto more = reader.next();
    change.grew = more && *more && (*more)->size() > 0;
  }
  return change;
}

ArchiveStream::ArchiveStream(const std::filesystem::path& target, const ArchiveOptions& options,
                             io::Backend& backend, const core::StopFlag& stop,
                             ProgressCallback progress) {
  stop.check();
  m_impl = std::make_unique<Impl>(target, options, backend, stop, std::move(progress));
}

ArchiveStream::~ArchiveStream() = default;

void ArchiveStream::add(Entry entry) {
  m_impl->add(std::move(entry));
}

ArchiveResult ArchiveStream::commit() {
  return m_impl->commit();
}

ArchiveResult write_archive(const std::vector<Entry>& entries, const std::filesystem::path& target,
                            const ArchiveOptions& options, io::Backend& backend,
                            const core::StopFlag& stop, const ProgressCallback& progress) {
  ArchiveStream stream(target, options, backend, stop, progress);
  for (const auto& entry : entries) {
    stream.add(entry);
  }
  return stream.commit();
}

} // namespace cback::collect
