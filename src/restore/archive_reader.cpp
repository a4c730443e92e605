#include <cback/restore/archive_reader.hpp>

#include <cback/core/error.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <sys/stat.h>

namespace cback::restore {
namespace {

// Not zeroed: fresh memory costs a page fault per page touched, and a
// small entry touches little of it.
constexpr std::size_t k_block = 1 << 20;

class FileStream final : public ByteStream {
public:
  FileStream(SourceFile& file, std::uint64_t offset) : m_file(file), m_offset(offset) {}
  std::size_t read(std::span<std::byte> out) override {
    const std::size_t got = m_file.read_at(m_offset, out);
    m_offset += got;
    return got;
  }

private:
  SourceFile& m_file;
  std::uint64_t m_offset;
};

} // namespace

std::unique_ptr<ByteStream> file_stream(SourceFile& file, std::uint64_t offset) {
  return std::make_unique<FileStream>(file, offset);
}

ArchiveReader::ArchiveReader(std::unique_ptr<ByteStream> stream, std::string name)
    : m_stream(std::move(stream)), m_name(std::move(name)),
      m_buffer(std::make_unique_for_overwrite<std::byte[]>(k_block)) {
  m_archive = archive_read_new();
  if (m_archive == nullptr) {
    throw Error(ExitCode::action, "Cannot read an archive: out of memory");
  }
  archive_read_support_filter_all(m_archive);
  archive_read_support_format_tar(m_archive);
  const int status =
      archive_read_open(m_archive, this, nullptr, &ArchiveReader::read_callback, nullptr);
  if (status != ARCHIVE_OK) {
    fail(status);
  }
}

ArchiveReader::~ArchiveReader() {
  archive_read_free(m_archive);
}

long ArchiveReader::read_callback(archive* /*unused*/, void* self, const void** buffer) {
  auto& reader = *static_cast<ArchiveReader*>(self);
  try {
    *buffer = reader.m_buffer.get();
    return static_cast<long>(reader.m_stream->read(std::span(reader.m_buffer.get(), k_block)));
  } catch (...) {
    reader.m_stream_error = std::current_exception();
    return -1;
  }
}

void ArchiveReader::fail(int status) {
  if (m_stream_error) {
    std::rethrow_exception(m_stream_error);
  }
  const char* why = archive_error_string(m_archive);
  throw Error(ExitCode::action,
              fmt::format("The archive [{}] is damaged or unreadable: {}", m_name,
                          why != nullptr ? why : fmt::format("libarchive status {}", status)));
}

archive_entry* ArchiveReader::next() {
  archive_entry* entry = nullptr;
  const int status = archive_read_next_header(m_archive, &entry);
  if (status == ARCHIVE_EOF) {
    return nullptr;
  }
  if (status != ARCHIVE_OK) {
    fail(status);
  }
  return entry;
}

std::uint64_t ArchiveReader::header_offset() const {
  return static_cast<std::uint64_t>(archive_read_header_position(m_archive));
}

std::span<const std::byte> ArchiveReader::data() {
  const void* block = nullptr;
  std::size_t size = 0;
  la_int64_t offset = 0;
  const int status = archive_read_data_block(m_archive, &block, &size, &offset);
  if (status == ARCHIVE_EOF) {
    return {};
  }
  if (status != ARCHIVE_OK) {
    fail(status);
  }
  return {static_cast<const std::byte*>(block), size};
}

std::vector<collect::IndexEntry> ArchiveReader::list() {
  std::vector<collect::IndexEntry> entries;
  while (archive_entry* entry = next()) {
    entries.push_back(index_entry_of(entry, header_offset()));
    // Read through the data: the compressed stream is then checked to its
    // end (a skip could seek past a damaged block unnoticed).
    while (!data().empty()) {
    }
  }
  return entries;
}

collect::IndexEntry index_entry_of(archive_entry* entry, std::uint64_t offset) {
  std::string path = archive_entry_pathname(entry) != nullptr ? archive_entry_pathname(entry) : "";
  while (path.size() > 1 && path.ends_with('/')) {
    path.pop_back();
  }
  return collect::index_entry_of(entry, std::move(path), offset);
}

} // namespace cback::restore
