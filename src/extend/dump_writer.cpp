#include <cback/extend/dump_writer.hpp>

#include <cback/context.hpp>
#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/unique_fd.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <optional>
#include <thread>
#include <unistd.h>
#include <vector>

namespace cback::extend {
namespace {

constexpr std::size_t k_block_size = 64 * 1024;
constexpr std::size_t k_read_size = 64 * 1024;

// The original compresses with Python's gzip and bz2 modules, level 9.
constexpr int k_gzip_level = 9;
constexpr int k_bzip2_level = 9;

} // namespace

std::string_view compress_suffix(config::CompressMode mode) {
  switch (mode) {
  case config::CompressMode::none:
    return "";
  case config::CompressMode::gzip:
    return ".gz";
  case config::CompressMode::bzip2:
    return ".bz2";
  case config::CompressMode::zstd:
    return ".zst";
  }
  return "";
}

// ---- the compressor ---------------------------------------------------------

// libarchive's "raw" format (one entry, no container) with a compression
// filter: the same gzip/bzip2/zstd code collect's archives use, writing into
// the .partial fd through our own callback so that a write error keeps its
// errno text.
class CompressedFile::Encoder {
public:
  Encoder(config::CompressMode mode, int fd, std::filesystem::path partial)
      : m_archive(archive_write_new()), m_fd(fd), m_partial(std::move(partial)) {
    if (m_archive == nullptr) {
      throw Error(ExitCode::action, "Cannot create a compressor: out of memory");
    }
    if (archive_write_set_format_raw(m_archive) != ARCHIVE_OK) {
      fail("cannot select the raw format");
    }
    add_filter(mode);
    archive_write_set_bytes_per_block(m_archive, static_cast<int>(k_block_size));
    // No padding after the compressed stream.
    archive_write_set_bytes_in_last_block(m_archive, 1);
    if (archive_write_open2(m_archive, this, nullptr, on_write, nullptr, nullptr) != ARCHIVE_OK) {
      fail("cannot open the compressor");
    }
    write_header();
  }

  // Abandoned (the .partial is about to be removed): the stream is still
  // closed, its output discarded, because libarchive frees a filter's
  // compressor state (zlib, bzip2, zstd) only in close, and
  // archive_write_free() skips close after a failure (a leak otherwise).
  ~Encoder() {
    if (!m_closed) {
      m_discard = true;
      (void)archive_write_close(m_archive);
    }
    archive_write_free(m_archive);
  }
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  // The bytes go through m_input, a buffer of our own: after a failed
  // write the compressor still points at its last input, and the close in
  // the destructor must find that memory alive.
  void write(std::span<const std::byte> bytes) {
    while (!bytes.empty()) {
      const std::size_t size = std::min(bytes.size(), m_input.size());
      std::memcpy(m_input.data(), bytes.data(), size);
      std::span<const std::byte> input(m_input.data(), size);
      while (!input.empty()) {
        const la_ssize_t written = archive_write_data(m_archive, input.data(), input.size());
        if (written <= 0) {
          fail("cannot compress");
        }
        input = input.subspan(static_cast<std::size_t>(written));
      }
      bytes = bytes.subspan(size);
    }
  }

  /// Flushes the compressor's last block into the file.
  void close() {
    if (archive_write_close(m_archive) != ARCHIVE_OK) {
      fail("cannot finish the compressed stream");
    }
    m_closed = true;
  }

private:
  void add_filter(config::CompressMode mode) {
    int status = ARCHIVE_OK;
    switch (mode) {
    case config::CompressMode::none:
      break;
    case config::CompressMode::gzip:
      status = archive_write_add_filter_gzip(m_archive);
      set_option("gzip", "compression-level", k_gzip_level);
      break;
    case config::CompressMode::bzip2:
      status = archive_write_add_filter_bzip2(m_archive);
      set_option("bzip2", "compression-level", k_bzip2_level);
      break;
    case config::CompressMode::zstd:
      status = archive_write_add_filter_zstd(m_archive);
      break;
    }
    if (status != ARCHIVE_OK) {
      fail("cannot set up compression");
    }
  }

  void set_option(const char* module, const char* name, int value) {
    const std::string text = std::to_string(value);
    if (archive_write_set_filter_option(m_archive, module, name, text.c_str()) != ARCHIVE_OK) {
      fail(fmt::format("bad {} option {}={}", module, name, text));
    }
  }

  // The raw format takes exactly one regular-file entry; its name and size
  // go nowhere.
  void write_header() {
    archive_entry* entry = archive_entry_new();
    if (entry == nullptr) {
      throw Error(ExitCode::action, "Cannot create a compressor: out of memory");
    }
    archive_entry_set_pathname(entry, "dump");
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    const int status = archive_write_header(m_archive, entry);
    archive_entry_free(entry);
    if (status != ARCHIVE_OK) {
      fail("cannot start the compressed stream");
    }
  }

  static la_ssize_t on_write(archive* /*a*/, void* self, const void* data, size_t size) {
    auto* encoder = static_cast<Encoder*>(self);
    if (encoder->m_discard) {
      return static_cast<la_ssize_t>(size);
    }
    const auto* bytes = static_cast<const char*>(data);
    std::size_t left = size;
    while (left > 0) {
      const ssize_t written = ::write(encoder->m_fd, bytes, left);
      if (written < 0 && errno == EINTR) {
        continue;
      }
      if (written <= 0) {
        encoder->m_write_error = written < 0 ? std::strerror(errno) : "short write";
        return -1;
      }
      bytes += written;
      left -= static_cast<std::size_t>(written);
    }
    return static_cast<la_ssize_t>(size);
  }

  [[noreturn]] void fail(std::string_view what) {
    std::string reason = "unknown libarchive error";
    if (m_write_error) {
      reason = *m_write_error;
    } else if (const char* text = archive_error_string(m_archive); text != nullptr) {
      reason = text;
    }
    throw Error(ExitCode::action,
                fmt::format("Error writing [{}]: {}: {}", m_partial.string(), what, reason));
  }

  archive* m_archive;
  int m_fd;
  std::filesystem::path m_partial;
  std::optional<std::string> m_write_error;
  std::vector<std::byte> m_input = std::vector<std::byte>(k_block_size);
  bool m_closed = false;
  bool m_discard = false;
};

// ---- CompressedFile ---------------------------------------------------------

CompressedFile::CompressedFile(std::filesystem::path path, config::CompressMode mode)
    : m_file(std::move(path)) {
  if (mode != config::CompressMode::none) {
    m_encoder = std::make_unique<Encoder>(mode, m_file.fd(), m_file.partial_path());
  }
}

CompressedFile::~CompressedFile() = default;

void CompressedFile::write(std::span<const std::byte> bytes) {
  if (m_encoder) {
    m_encoder->write(bytes);
  } else {
    m_file.write(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
}

void CompressedFile::write(std::string_view text) {
  write(std::as_bytes(std::span(text.data(), text.size())));
}

void CompressedFile::commit() {
  if (m_encoder) {
    m_encoder->close();
  }
  m_file.commit();
}

// ---- write_dump ---------------------------------------------------------------

namespace {

// Copies the command's stdout from a pipe into the file on its own thread,
// while the runner's thread waits for the command and logs its stderr. When
// a write fails the read end is closed at once, so the command dies of
// SIGPIPE instead of blocking on a pipe nobody reads. The copy ends when
// every write end is closed: the child's when it exits, the caller's when
// it is reset after run().
class PipeCopier {
public:
  PipeCopier(core::UniqueFd read_end, CompressedFile& file)
      : m_thread([this, fd = std::move(read_end), &file]() mutable { copy(std::move(fd), file); }) {
  }

  /// Waits for the end of the copy; the reason it failed, if it did.
  std::optional<std::string> finish() {
    if (m_thread.joinable()) {
      m_thread.join();
    }
    return m_error;
  }

private:
  void copy(core::UniqueFd fd, CompressedFile& file) noexcept {
    std::vector<std::byte> buffer(k_read_size);
    try {
      for (;;) {
        const ssize_t size = ::read(fd.get(), buffer.data(), buffer.size());
        if (size < 0 && errno == EINTR) {
          continue;
        }
        if (size < 0) {
          throw Error(ExitCode::action,
                      fmt::format("Error reading the dump output: {}", std::strerror(errno)));
        }
        if (size == 0) {
          return;
        }
        file.write(std::span(buffer.data(), static_cast<std::size_t>(size)));
      }
    } catch (const std::exception& error) {
      m_error = error.what();
    }
  }

  std::optional<std::string> m_error; ///< set by the thread, read after join
  std::jthread m_thread;              ///< last: starts once m_error exists
};

// Runs the command with its stdout going through `file`. Returns the
// command's result; throws Error when the file could not be written (that
// failure explains a SIGPIPE exit better than the exit does).
core::CommandResult run_into(Context& context, const DumpRequest& request, CompressedFile& file) {
  std::array<int, 2> ends{};
  if (::pipe2(ends.data(), O_CLOEXEC) != 0) {
    throw Error(ExitCode::action, fmt::format("Cannot create a pipe: {}", std::strerror(errno)));
  }
  core::UniqueFd read_end(ends[0]);
  core::UniqueFd pending_write_end(ends[1]);
  PipeCopier copier(std::move(read_end), file);
  // Declared after the copier: on every path it is closed before the
  // copier's thread is joined, which is what lets that thread see EOF.
  core::UniqueFd write_end(std::move(pending_write_end));

  core::CommandRequest command;
  command.argv = request.argv;
  command.timeout = request.timeout;
  command.stderr_mode = request.stderr_mode;
  command.stdout_fd = write_end.get();
  core::CommandResult result = context.runner.run(command);
  write_end.reset();
  if (auto error = copier.finish()) {
    throw Error(ExitCode::action, *error);
  }
  return result;
}

void check_result(const DumpRequest& request, const core::CommandResult& result) {
  if (result.timed_out) {
    throw Error(ExitCode::action, fmt::format("[{}] timed out after {} ms", request.argv.front(),
                                              request.timeout.count()));
  }
  if (result.exit_status == 0 || request.exit_status == ExitStatus::ignored) {
    return;
  }
  std::string message =
      fmt::format("[{}] exited with status {}", request.argv.front(), result.exit_status);
  if (result.exit_status == 127) {
    message += " (not found or not executable?)";
  }
  // The last lines of stderr usually say why (access denied, unknown
  // database, cannot connect).
  constexpr std::size_t k_shown = 3;
  const std::size_t first = result.tail.size() > k_shown ? result.tail.size() - k_shown : 0;
  for (std::size_t i = first; i < result.tail.size(); ++i) {
    message += i == first ? ": " : " / ";
    message += result.tail[i];
  }
  throw Error(ExitCode::action, message);
}

} // namespace

std::filesystem::path write_dump(Context& context, const DumpRequest& request) {
  if (request.argv.empty()) {
    throw Error(ExitCode::action, fmt::format("Extension [{}] failed on {}: no command",
                                              request.extension, request.item));
  }
  std::filesystem::path path = request.target;
  path += compress_suffix(request.compress);
  context.log.debug("Extension [{}]: dump of {} will be [{}].", request.extension, request.item,
                    path.string());
  try {
    // Looked up before the dump, so that a missing user fails before any
    // work is done.
    const core::Outputs& outputs = context.outputs.get();
    CompressedFile file(path, request.compress);
    check_result(request, run_into(context, request, file));
    file.commit();
    outputs.own(path, context.log);
  } catch (const Error& error) {
    if (error.code() == ExitCode::interrupted) {
      throw;
    }
    throw Error(ExitCode::action, fmt::format("Extension [{}] failed on {}: {}", request.extension,
                                              request.item, error.what()));
  }
  return path;
}

} // namespace cback::extend
