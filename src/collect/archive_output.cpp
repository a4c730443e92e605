#include "archive_output.hpp"

#include <cback/core/error.hpp>

#include <archive.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace cback::collect::detail {

namespace {

// libarchive hands its output over in blocks of this size (the default
// 10 KiB would mean a callback per 10 KiB); also the size of a write.
constexpr std::size_t k_block_size = std::size_t{1} << 20;

la_ssize_t on_write(struct archive* archive, void* client, const void* buffer, size_t length) {
  auto* encoder = static_cast<TarEncoder*>(client);
  std::string why;
  if (!encoder->emit({static_cast<const std::byte*>(buffer), length}, why)) {
    archive_set_error(archive, EIO, "%s", why.c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

} // namespace

ArchiveSink::ArchiveSink(io::Backend& backend, int fd, std::filesystem::path path)
    : m_pool(k_write_behind + 2, k_block_size) {
  auto engine = backend.make_engine(k_write_behind);
  if (!engine) {
    engine.error().path = path;
    throw Error(ExitCode::action,
                fmt::format("Cannot write archive: {}", engine.error().message()));
  }
  m_engine = std::move(*engine);
  m_writer.emplace(*m_engine, fd, std::move(path));
}

ArchiveSink::~ArchiveSink() {
  m_current.release();
  m_writer.reset(); // waits for its writes while the pool still lives
}

bool ArchiveSink::append(std::span<const std::byte> bytes) noexcept {
  if (m_discard) {
    return true;
  }
  if (m_error) {
    return false;
  }
  m_sha.update(bytes.data(), bytes.size());
  m_size += bytes.size();
  while (!bytes.empty()) {
    if (!m_current) {
      // The writer holds at most k_write_behind buffers: one is always free.
      auto buffer = m_pool.acquire();
      if (!buffer) {
        m_error = "the archive buffer pool was closed";
        return false;
      }
      m_current = std::move(*buffer);
    }
    const std::size_t used = m_current.size();
    const std::size_t take = std::min(bytes.size(), m_current.capacity() - used);
    std::memcpy(m_current.data() + used, bytes.data(), take);
    m_current.resize(used + take);
    bytes = bytes.subspan(take);
    if (m_current.size() == m_current.capacity() && !push_current()) {
      return false;
    }
  }
  return true;
}

bool ArchiveSink::push_current() noexcept {
  try {
    auto written = m_writer->write(std::move(m_current));
    m_current = core::Buffer();
    if (!written) {
      m_error = written.error().message();
      return false;
    }
    return true;
  } catch (const std::exception& error) {
    m_error = error.what();
    return false;
  }
}

void ArchiveSink::finish() {
  if (!m_error && m_current && m_current.size() > 0) {
    push_current();
  }
  if (!m_error) {
    if (auto flushed = m_writer->flush(); !flushed) {
      m_error = flushed.error().message();
    }
  }
  if (m_error) {
    throw Error(ExitCode::action, fmt::format("Cannot write archive: {}", *m_error));
  }
}

TarEncoder::TarEncoder(const ArchiveOptions& options, ArchiveSink& sink,
                       std::filesystem::path target)
    : m_archive(archive_write_new()), m_sink(&sink), m_target(std::move(target)) {
  if (m_archive == nullptr) {
    throw Error(ExitCode::action, "Cannot create an archive writer: out of memory");
  }
  // pax_restricted: ustar headers, plus pax extended headers only for what
  // ustar cannot hold (long or non-ASCII names, big sizes, xattrs, ACLs).
  if (archive_write_set_format_pax_restricted(m_archive) != ARCHIVE_OK) {
    fail("cannot select the pax format");
  }
  int filter = ARCHIVE_OK;
  switch (options.mode) {
  case config::ArchiveMode::tar:
    break;
  case config::ArchiveMode::targz:
    filter = archive_write_add_filter_gzip(m_archive);
    set_option("gzip", "compression-level", std::to_string(options.gzip_level));
    break;
  case config::ArchiveMode::tarbz2:
    filter = archive_write_add_filter_bzip2(m_archive);
    set_option("bzip2", "compression-level", std::to_string(options.bzip2_level));
    break;
  case config::ArchiveMode::tarzst: {
    // libarchive writes plain tar; the frame writer compresses it in
    // independent frames on its own workers while this thread reads files
    // and encodes tar (src/collect/zstd_frames.hpp).
    const unsigned threads =
        options.zstd_threads != 0 ? options.zstd_threads : std::thread::hardware_concurrency();
    m_frames = std::make_unique<ZstdFrameWriter>(sink, options.zstd_level, threads);
    break;
  }
  }
  if (filter != ARCHIVE_OK) {
    fail("cannot set up compression");
  }
  archive_write_set_bytes_per_block(m_archive, static_cast<int>(k_block_size));
  // No padding of the last block: the archive ends after the tar trailer
  // (or the compressed stream), as GNU tar accepts.
  archive_write_set_bytes_in_last_block(m_archive, 1);
  if (archive_write_open2(m_archive, this, nullptr, on_write, nullptr, nullptr) != ARCHIVE_OK) {
    fail("cannot open the archive");
  }
}

TarEncoder::~TarEncoder() {
  if (!m_closed) {
    // Abandoned: closed with its output dropped. (archive_write_fail before
    // free() would skip the close, and libarchive 3.6 then leaks its
    // output block and filter state.)
    m_sink->discard();
    if (m_frames) {
      m_frames->discard();
    }
    archive_write_close(m_archive);
  }
  archive_write_free(m_archive);
}

void TarEncoder::set_option(const char* module, const char* name, const std::string& value) {
  if (archive_write_set_filter_option(m_archive, module, name, value.c_str()) != ARCHIVE_OK) {
    fail(fmt::format("bad {} option {}={}", module, name, value));
  }
}

void TarEncoder::fail(const std::string& what) {
  std::string reason;
  if (m_frames && m_frames->error()) {
    reason = *m_frames->error();
  } else if (m_sink->error()) {
    reason = *m_sink->error();
  } else if (const char* text = archive_error_string(m_archive); text != nullptr) {
    reason = text;
  } else {
    reason = "unknown libarchive error";
  }
  throw Error(ExitCode::action,
              fmt::format("Cannot write archive {}: {}: {}", m_target.string(), what, reason));
}

bool TarEncoder::emit(std::span<const std::byte> bytes, std::string& why) noexcept {
  if (m_frames ? m_frames->append(bytes) : m_sink->append(bytes)) {
    return true;
  }
  const auto& error = m_frames && m_frames->error() ? m_frames->error() : m_sink->error();
  why = error.value_or("write failed");
  return false;
}

bool TarEncoder::header(archive_entry* entry, std::string& why, std::uint64_t& offset) {
  // The previous entry's padding is written when it is finished, which
  // archive_write_header would do itself: finished here first, the bytes
  // the format has handed to the first filter (or to the sink) are exactly
  // where this entry's first header starts.
  if (archive_write_finish_entry(m_archive) != ARCHIVE_OK) {
    fail("cannot finish an entry");
  }
  offset = static_cast<std::uint64_t>(archive_filter_bytes(m_archive, 0));
  const int status = archive_write_header(m_archive, entry);
  if (status == ARCHIVE_OK || status == ARCHIVE_WARN) {
    return true;
  }
  if (status == ARCHIVE_FAILED && !m_sink->error()) {
    const char* text = archive_error_string(m_archive);
    why = text != nullptr ? text : "libarchive refused the entry";
    return false;
  }
  fail("cannot write an entry header");
}

void TarEncoder::data(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const la_ssize_t written = archive_write_data(m_archive, bytes.data(), bytes.size());
    if (written <= 0) {
      fail("cannot write entry data");
    }
    bytes = bytes.subspan(static_cast<std::size_t>(written));
  }
}

void TarEncoder::zeros(std::uint64_t count) {
  static constexpr std::array<std::byte, 65536> k_zeros{};
  while (count > 0) {
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(count, k_zeros.size()));
    data({k_zeros.data(), take});
    count -= take;
  }
}

void TarEncoder::close() {
  if (archive_write_close(m_archive) != ARCHIVE_OK) {
    fail("cannot finish the archive");
  }
  m_closed = true;
  if (m_frames && !m_frames->finish()) {
    throw Error(ExitCode::action, fmt::format("Cannot write archive {}: {}", m_target.string(),
                                              m_frames->error().value_or("compression failed")));
  }
}

std::vector<IndexFrame> TarEncoder::frames() const {
  return m_frames ? m_frames->frames() : std::vector<IndexFrame>{};
}

} // namespace cback::collect::detail
