#include <cback/extend/mbox_archive.hpp>

#include <cback/core/error.hpp>
#include <cback/core/stop.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/extend/dump_writer.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

namespace cback::extend {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t k_chunk = std::size_t{1} << 16;

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// libarchive writes the tar stream through this into the compressed file;
// an exception must not cross libarchive, so it is kept and rethrown.
struct Sink {
  CompressedFile& file;
  std::exception_ptr error;

  static la_ssize_t write(archive* /*a*/, void* self, const void* data, size_t size) {
    auto& sink = *static_cast<Sink*>(self);
    try {
      sink.file.write(std::string_view(static_cast<const char*>(data), size));
    } catch (...) {
      sink.error = std::current_exception();
      return -1;
    }
    return static_cast<la_ssize_t>(size);
  }
};

[[noreturn]] void fail(const fs::path& target, std::string_view what) {
  throw Error(ExitCode::action,
              fmt::format("Cannot write mbox archive [{}]: {}", target.string(), what));
}

void check(int status, archive* a, const Sink& sink, const fs::path& target) {
  if (sink.error) {
    std::rethrow_exception(sink.error);
  }
  if (status < ARCHIVE_OK) {
    fail(target, archive_error_string(a) != nullptr ? archive_error_string(a) : "libarchive error");
  }
}

void add_file(archive* a, const fs::path& file, Sink& sink, const fs::path& target,
              const core::StopFlag& stop) {
  core::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (!fd || ::fstat(fd.get(), &info) != 0) {
    fail(target, fmt::format("cannot read [{}]: {}", file.string(), std::strerror(errno)));
  }
  const std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_copy_stat(entry.get(), &info);
  archive_entry_set_pathname(entry.get(), file.filename().c_str());
  check(archive_write_header(a, entry.get()), a, sink, target);
  std::string buffer(k_chunk, '\0');
  for (;;) {
    stop.check();
    const ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      fail(target, fmt::format("cannot read [{}]: {}", file.string(), std::strerror(errno)));
    }
    if (got == 0) {
      break;
    }
    const la_ssize_t written = archive_write_data(a, buffer.data(), static_cast<size_t>(got));
    check(written < 0 ? ARCHIVE_FATAL : ARCHIVE_OK, a, sink, target);
  }
}

} // namespace

void write_flat_tar(const std::vector<fs::path>& files, const fs::path& target,
                    config::CompressMode compress, const core::StopFlag& stop) {
  CompressedFile file(target, compress);
  Sink sink{file, nullptr};
  const std::unique_ptr<archive, ArchiveFree> a(archive_write_new());
  if (!a || archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK) {
    fail(target, "cannot set up the tar writer");
  }
  archive_write_set_bytes_in_last_block(a.get(), 1);
  check(archive_write_open2(a.get(), &sink, nullptr, &Sink::write, nullptr, nullptr), a.get(), sink,
        target);
  for (const auto& path : files) {
    add_file(a.get(), path, sink, target, stop);
  }
  check(archive_write_close(a.get()), a.get(), sink, target);
  file.commit();
}

} // namespace cback::extend
