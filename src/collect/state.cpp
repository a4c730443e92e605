#include <cback/collect/state.hpp>

#include <cback/core/error.hpp>
#include <cback/core/read_file.hpp>
#include <cback/core/unique_fd.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace cback::collect {

static_assert(std::endian::native == std::endian::little,
              "state files are little-endian; a big-endian host needs byte swaps");

namespace {

// The binary layout (docs/state-format.md, version 2).
constexpr std::array<char, 8> k_magic = {'C', 'B', 'S', 'T', 'A', 'T', 'E', '\0'};
constexpr std::uint32_t k_version = 2;
constexpr std::size_t k_header_size = 64;
constexpr std::size_t k_record_fixed = 48;
constexpr std::size_t k_digest_size = 32;
constexpr std::uint8_t k_has_digest = 1;
// The text format of version 1, still read once to migrate.
constexpr std::string_view k_text_magic = "cback-state 1";
constexpr std::size_t k_text_fields = 7; // kind size mtime ctime inode mode digest

struct Header {
  std::uint64_t count = 0;
  std::uint64_t index_offset = 0;
  core::Digest checksum{};
};

template <typename T>
T load(const std::byte* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  return value;
}

template <typename T>
void append(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::string encode_header(const Header& header) {
  std::string out(k_magic.data(), k_magic.size());
  append(out, k_version);
  append(out, static_cast<std::uint32_t>(k_header_size));
  append(out, header.count);
  append(out, header.index_offset);
  out.append(reinterpret_cast<const char*>(header.checksum.data()), header.checksum.size());
  return out;
}

// The header's fields, checked against the size of the whole file.
tl::expected<Header, std::string> parse_header(std::span<const std::byte> bytes,
                                               std::uint64_t file_size) {
  if (bytes.size() < k_header_size || file_size < k_header_size) {
    return tl::unexpected(fmt::format("truncated: {} bytes, less than a header", file_size));
  }
  if (std::memcmp(bytes.data(), k_magic.data(), k_magic.size()) != 0) {
    return tl::unexpected(std::string("not a cback state file"));
  }
  const auto version = load<std::uint32_t>(bytes.data() + 8);
  if (version != k_version || load<std::uint32_t>(bytes.data() + 12) != k_header_size) {
    return tl::unexpected(fmt::format("unknown version {}", version));
  }
  Header header;
  header.count = load<std::uint64_t>(bytes.data() + 16);
  header.index_offset = load<std::uint64_t>(bytes.data() + 24);
  std::memcpy(header.checksum.data(), bytes.data() + 32, k_digest_size);
  const std::uint64_t index_bytes = header.count * 8;
  if (header.count > file_size / 8 || header.index_offset < k_header_size ||
      header.index_offset > file_size || file_size - header.index_offset != index_bytes) {
    return tl::unexpected(fmt::format(
        "truncated or corrupt: {} bytes, the header promises {} records with an index at {}",
        file_size, header.count, header.index_offset));
  }
  return header;
}

char kind_letter(EntryKind kind) {
  switch (kind) {
  case EntryKind::file:
    return 'f';
  case EntryKind::directory:
    return 'd';
  case EntryKind::symlink:
    return 'l';
  }
  return 'f';
}

std::optional<EntryKind> kind_from_letter(std::string_view text) {
  if (text == "f") {
    return EntryKind::file;
  }
  if (text == "d") {
    return EntryKind::directory;
  }
  if (text == "l") {
    return EntryKind::symlink;
  }
  return std::nullopt;
}

std::optional<std::string> unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
    } else if (i + 3 < text.size() && text[i + 1] == 'x') {
      unsigned value = 0;
      const auto* first = text.data() + i + 2;
      const auto [end, error] = std::from_chars(first, first + 2, value, 16);
      if (error != std::errc() || end != first + 2) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(value));
      i += 3;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

template <typename Number>
bool parse_number(std::string_view text, Number& value, int base = 10) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// One line: seven fields separated by single spaces, then the escaped path
// (which may hold spaces itself).
tl::expected<std::pair<std::string, Fingerprint>, std::string> parse_line(std::string_view line) {
  std::array<std::string_view, k_text_fields> fields;
  for (auto& field : fields) {
    const auto space = line.find(' ');
    if (space == std::string_view::npos) {
      return tl::unexpected(std::string("too few fields"));
    }
    field = line.substr(0, space);
    line.remove_prefix(space + 1);
  }
  Fingerprint print;
  const auto kind = kind_from_letter(fields[0]);
  if (!kind) {
    return tl::unexpected(fmt::format("unknown kind [{}]", fields[0]));
  }
  print.kind = *kind;
  if (!parse_number(fields[1], print.size) || !parse_number(fields[2], print.mtime_ns) ||
      !parse_number(fields[3], print.ctime_ns) || !parse_number(fields[4], print.inode) ||
      !parse_number(fields[5], print.mode, 8)) {
    return tl::unexpected(std::string("malformed number"));
  }
  if (fields[6] != "-") {
    print.digest = core::digest_from_hex(fields[6]);
    if (!print.digest) {
      return tl::unexpected(std::string("malformed digest"));
    }
  }
  auto path = unescape(line);
  if (!path || path->empty()) {
    return tl::unexpected(std::string("malformed path"));
  }
  return std::pair{std::move(*path), print};
}

// One record: the fixed fields, the digest when present, the path.
void append_record(std::string& out, std::string_view path, const Fingerprint& print) {
  append(out, static_cast<std::uint32_t>(path.size()));
  append(out, static_cast<std::uint8_t>(kind_letter(print.kind)));
  append(out, static_cast<std::uint8_t>(print.digest ? k_has_digest : 0));
  append(out, std::uint16_t{0});
  append(out, print.size);
  append(out, print.mtime_ns);
  append(out, print.ctime_ns);
  append(out, print.inode);
  append(out, print.mode);
  append(out, std::uint32_t{0});
  if (print.digest) {
    out.append(reinterpret_cast<const char*>(print.digest->data()), k_digest_size);
  }
  out.append(path);
}

// The path of the record at `offset`, for sorting a written index; the
// records were written by this process, so they are trusted.
std::string_view path_at(std::span<const std::byte> bytes, std::uint64_t offset) {
  const std::byte* at = bytes.data() + offset;
  const auto length = load<std::uint32_t>(at);
  const bool digest = (load<std::uint8_t>(at + 5) & k_has_digest) != 0;
  const auto* path =
      reinterpret_cast<const char*>(at + k_record_fixed + (digest ? k_digest_size : 0));
  return {path, length};
}

} // namespace

namespace detail {

/// The pieces of a state file but its header: records as they come, then
/// the index (sorted), with the checksum of all of it.
class StateEncoder {
public:
  void add(std::string_view path, const Fingerprint& print) {
    if (!m_index.empty() && !path_less(m_last, path)) {
      m_sorted = false; // out of walk order, or a duplicate
    }
    m_index.push_back(m_offset + m_pending.size());
    append_record(m_pending, path, print);
    m_last.assign(path);
  }
  /// The bytes added since the last call (hashed now).
  std::string take() {
    m_sha.update(m_pending.data(), m_pending.size());
    m_offset += m_pending.size();
    return std::exchange(m_pending, std::string());
  }
  [[nodiscard]] std::size_t pending() const noexcept { return m_pending.size(); }
  [[nodiscard]] bool sorted() const noexcept { return m_sorted; }
  /// Sorts the index by the paths in `records` (the bytes written so far,
  /// from offset 0), dropping later records of a path.
  void sort(std::span<const std::byte> records) {
    std::stable_sort(m_index.begin(), m_index.end(), [&](std::uint64_t a, std::uint64_t b) {
      return path_less(path_at(records, a), path_at(records, b));
    });
    const auto end = std::unique(m_index.begin(), m_index.end(), [&](auto a, auto b) {
      return path_at(records, a) == path_at(records, b);
    });
    m_index.erase(end, m_index.end());
    m_sorted = true;
  }
  /// Appends the index; returns the header to put in front.
  std::string finish() {
    const std::uint64_t index_offset = m_offset + m_pending.size();
    m_pending.reserve(m_pending.size() + m_index.size() * 8);
    for (const auto offset : m_index) {
      append(m_pending, offset);
    }
    return encode_header(Header{m_index.size(), index_offset, {}});
  }
  core::Digest checksum() { return m_sha.finish(); }

private:
  std::string m_pending;
  std::uint64_t m_offset = k_header_size;
  std::vector<std::uint64_t> m_index;
  std::string m_last;
  bool m_sorted = true;
  core::Sha256 m_sha;
};

} // namespace detail

namespace {

constexpr std::size_t k_write_buffer = std::size_t{1} << 20;

/// The whole state file for `records` (sorted, without duplicates) in memory.
std::string encode_sorted(const std::vector<std::pair<std::string, Fingerprint>>& records) {
  detail::StateEncoder encoder;
  std::string body;
  for (const auto& [path, print] : records) {
    encoder.add(path, print);
  }
  auto header = encoder.finish();
  body = encoder.take();
  const auto checksum = encoder.checksum();
  std::memcpy(header.data() + 32, checksum.data(), k_digest_size);
  return header + body;
}

} // namespace

/// What a StateFile's bytes live in: a read-only mapping of the file, or a
/// string (a decoded or migrated state).
struct StateFile::Storage {
  std::string name; ///< the file, for errors; "state" when from memory
  void* map = nullptr;
  std::size_t map_size = 0;
  std::string owned;

  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (map != nullptr) {
      ::munmap(map, map_size);
    }
  }
};

namespace {

constexpr std::size_t k_check_chunk = std::size_t{4} << 20;

// The checksum of [k_header_size, size) read with pread: reading through a
// buffer keeps the file out of this process's resident memory.
tl::expected<core::Digest, std::string> checksum_of(int fd, std::uint64_t size) {
  core::Sha256 sha;
  std::vector<std::byte> chunk(k_check_chunk);
  for (std::uint64_t offset = k_header_size; offset < size;) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - offset));
    const ssize_t got = ::pread(fd, chunk.data(), want, static_cast<off_t>(offset));
    if (got <= 0) {
      return tl::unexpected(got == 0 ? std::string("truncated while read")
                                     : fmt::format("cannot read: {}", errno_text(errno)));
    }
    sha.update(chunk.data(), static_cast<std::size_t>(got));
    offset += static_cast<std::uint64_t>(got);
  }
  return sha.finish();
}

// Parses the text format of version 1 into records sorted in path order.
tl::expected<std::vector<std::pair<std::string, Fingerprint>>, std::string>
parse_text(std::string_view text) {
  text.remove_prefix(k_text_magic.size() + 1);
  std::vector<std::pair<std::string, Fingerprint>> records;
  for (std::size_t number = 2; !text.empty(); ++number) {
    const auto newline = text.find('\n');
    if (newline == std::string_view::npos) {
      return tl::unexpected(fmt::format("line {}: truncated", number));
    }
    const auto line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    if (line.starts_with("end ")) {
      std::size_t count = 0;
      if (!parse_number(line.substr(4), count) || count != records.size() || !text.empty()) {
        return tl::unexpected(fmt::format("line {}: the end line does not match", number));
      }
      std::sort(records.begin(), records.end(),
                [](const auto& a, const auto& b) { return path_less(a.first, b.first); });
      const auto duplicate = std::adjacent_find(
          records.begin(), records.end(), [](auto& a, auto& b) { return a.first == b.first; });
      if (duplicate != records.end()) {
        return tl::unexpected(fmt::format("duplicate path [{}]", duplicate->first));
      }
      return records;
    }
    auto parsed = parse_line(line);
    if (!parsed) {
      return tl::unexpected(fmt::format("line {}: {}", number, parsed.error()));
    }
    records.push_back(std::move(*parsed));
  }
  return tl::unexpected(std::string("truncated: no end line"));
}

} // namespace

StateFile::StateFile() = default;
StateFile::~StateFile() = default;
StateFile::StateFile(StateFile&&) noexcept = default;
StateFile& StateFile::operator=(StateFile&&) noexcept = default;

tl::expected<StateFile, std::string> StateFile::open(const std::filesystem::path& path) {
  const core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct ::stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) {
    return tl::unexpected(fmt::format("cannot read: {}", errno_text(errno)));
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::array<std::byte, k_header_size> head{};
  const ssize_t got = ::pread(fd.get(), head.data(), head.size(), 0);
  const auto header =
      parse_header(std::span(head).first(got > 0 ? static_cast<std::size_t>(got) : 0), size);
  if (!header) {
    return tl::unexpected(header.error());
  }
  const auto checksum = checksum_of(fd.get(), size);
  if (!checksum) {
    return tl::unexpected(checksum.error());
  }
  if (*checksum != header->checksum) {
    return tl::unexpected(std::string("corrupt: the checksum does not match"));
  }
  StateFile state;
  state.m_storage = std::make_unique<Storage>();
  state.m_storage->name = path.string();
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) {
    return tl::unexpected(fmt::format("cannot map: {}", errno_text(errno)));
  }
  (void)::madvise(map, size, MADV_SEQUENTIAL);
  state.m_storage->map = map;
  state.m_storage->map_size = size;
  state.m_bytes = {static_cast<const std::byte*>(map), size};
  state.m_count = header->count;
  state.m_index_offset = header->index_offset;
  return state;
}

tl::expected<StateFile, std::string> StateFile::decode(std::string bytes) {
  if (bytes.starts_with(fmt::format("{}\n", k_text_magic))) {
    const auto records = parse_text(bytes);
    if (!records) {
      return tl::unexpected(records.error());
    }
    return decode(encode_sorted(*records));
  }
  const std::span<const std::byte> view(reinterpret_cast<const std::byte*>(bytes.data()),
                                        bytes.size());
  const auto header = parse_header(view, bytes.size());
  if (!header) {
    return tl::unexpected(header.error());
  }
  core::Sha256 sha;
  sha.update(bytes.data() + k_header_size, bytes.size() - k_header_size);
  if (sha.finish() != header->checksum) {
    return tl::unexpected(std::string("corrupt: the checksum does not match"));
  }
  StateFile state;
  state.m_storage = std::make_unique<Storage>();
  state.m_storage->name = "state";
  state.m_storage->owned = std::move(bytes);
  const auto& owned = state.m_storage->owned;
  state.m_bytes = {reinterpret_cast<const std::byte*>(owned.data()), owned.size()};
  state.m_count = header->count;
  state.m_index_offset = header->index_offset;
  return state;
}

std::uint64_t StateFile::offset_of(std::size_t index) const {
  return load<std::uint64_t>(m_bytes.data() + m_index_offset + index * 8);
}

StateRecord StateFile::record(std::size_t index) const {
  const std::uint64_t offset = index < m_count ? offset_of(index) : 0;
  const auto corrupt = [&](std::string_view why) {
    return Error(ExitCode::action, fmt::format("Incremental state [{}] is corrupt: record {}: {}",
                                               m_storage->name, index, why));
  };
  if (offset < k_header_size || offset > m_index_offset ||
      m_index_offset - offset < k_record_fixed) {
    throw corrupt("outside the file");
  }
  const std::byte* at = m_bytes.data() + offset;
  const auto length = load<std::uint32_t>(at);
  const auto kind = kind_from_letter(std::string_view(reinterpret_cast<const char*>(at + 4), 1));
  const bool has_digest = (load<std::uint8_t>(at + 5) & k_has_digest) != 0;
  const std::uint64_t fixed = k_record_fixed + (has_digest ? k_digest_size : 0);
  if (!kind || m_index_offset - offset < fixed + length || length == 0) {
    throw corrupt("malformed");
  }
  StateRecord record;
  record.path = {reinterpret_cast<const char*>(at + fixed), length};
  record.print.kind = *kind;
  record.print.size = load<std::int64_t>(at + 8);
  record.print.mtime_ns = load<std::int64_t>(at + 16);
  record.print.ctime_ns = load<std::int64_t>(at + 24);
  record.print.inode = load<std::uint64_t>(at + 32);
  record.print.mode = load<std::uint32_t>(at + 40);
  if (has_digest) {
    record.print.digest.emplace();
    std::memcpy(record.print.digest->data(), at + k_record_fixed, k_digest_size);
  }
  return record;
}

std::optional<std::size_t> StateFile::find(std::string_view path, std::size_t& hint) const {
  const auto less_than_path = [&](std::size_t index) {
    return path_less(record(index).path, path);
  };
  std::size_t low = 0;
  std::size_t high = hint;
  if (hint < m_count && !path_less(path, record(hint).path)) {
    // At or after the hint: gallop forward, then bisect the last step.
    std::size_t step = 1;
    low = hint;
    while (low + step < m_count && less_than_path(low + step)) {
      low += step;
      step *= 2;
    }
    high = std::min(low + step, m_count);
    low = less_than_path(low) ? low + 1 : low;
  }
  while (low < high) {
    const std::size_t middle = low + (high - low) / 2;
    if (less_than_path(middle)) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  const bool forward = low >= hint;
  if (forward) {
    hint = low;
  }
  if (low < m_count && record(low).path == path) {
    if (forward) {
      hint = low + 1;
    }
    return low;
  }
  return std::nullopt;
}

void StateFile::release_before(std::size_t index) const {
  if (m_storage == nullptr || m_storage->map == nullptr) {
    return;
  }
  const std::uint64_t offset = index < m_count ? offset_of(index) : m_index_offset;
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t end = offset / page * page;
  if (end > m_released) {
    auto* base = static_cast<std::byte*>(m_storage->map);
    (void)::madvise(base + m_released, end - m_released, MADV_DONTNEED);
    m_released = end;
  }
}

LoadedState load_state(const std::string& path) {
  LoadedState loaded;
  auto state = StateFile::open(path);
  if (state) {
    loaded.state = std::move(*state);
    return loaded;
  }
  if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
    return loaded;
  }
  // The text format of version 1 is read (into memory) once: the next save
  // writes the binary format.
  if (auto text = core::read_file(path); text && text->starts_with(k_text_magic)) {
    auto migrated = StateFile::decode(std::move(*text));
    if (migrated) {
      loaded.state = std::move(*migrated);
      loaded.migrated = true;
      return loaded;
    }
    state = tl::unexpected(migrated.error());
  }
  loaded.problem = Problem{
      path, fmt::format("corrupt incremental state, everything is archived: {}", state.error())};
  return loaded;
}

StateWriter::StateWriter(std::filesystem::path path, const StateFile* base)
    : m_path(std::move(path)), m_base(base), m_encoder(std::make_unique<detail::StateEncoder>()) {
  if (m_base == nullptr) {
    diverge();
  }
}

StateWriter::~StateWriter() = default;

void StateWriter::add(std::string_view path, const Fingerprint& print) {
  if (!m_file) {
    if (m_matched < m_base->size()) {
      const auto record = m_base->record(m_matched);
      if (record.path == path && record.print == print) {
        ++m_matched;
        return;
      }
    }
    diverge();
  }
  m_encoder->add(path, print);
  if (m_encoder->pending() >= k_write_buffer) {
    flush();
  }
}

bool StateWriter::same_as_base() const noexcept {
  return !m_file && m_matched == m_base->size();
}

// Creates the file and encodes the base records the walk has matched: they
// are exactly the records added so far.
void StateWriter::diverge() {
  m_file.emplace(m_path);
  m_file->write(std::string(k_header_size, '\0')); // the header comes last
  for (std::size_t i = 0; i < m_matched; ++i) {
    const auto record = m_base->record(i);
    m_encoder->add(record.path, record.print);
    if (m_encoder->pending() >= k_write_buffer) {
      flush();
    }
  }
  m_matched = 0;
}

void StateWriter::flush() {
  m_file->write(m_encoder->take());
}

void StateWriter::commit() {
  if (!m_file) {
    diverge();
  }
  flush();
  if (!m_encoder->sorted()) {
    // Several units, or dereferenced links: sort the index by the paths of
    // the records written, read back through a mapping of the partial file
    // (its own fd: the name may have been replaced meanwhile).
    const int fd = m_file->fd();
    struct ::stat st {};
    if (::fstat(fd, &st) != 0) {
      throw Error(ExitCode::action,
                  fmt::format("Cannot read back [{}]: {}", m_file->partial_path().string(),
                              errno_text(errno)));
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      throw Error(
          ExitCode::action,
          fmt::format("Cannot map [{}]: {}", m_file->partial_path().string(), errno_text(errno)));
    }
    m_encoder->sort({static_cast<const std::byte*>(map), size});
    ::munmap(map, size);
  }
  auto header = m_encoder->finish();
  flush();
  const auto checksum = m_encoder->checksum();
  std::memcpy(header.data() + 32, checksum.data(), k_digest_size);
  if (::pwrite(m_file->fd(), header.data(), header.size(), 0) !=
      static_cast<ssize_t>(header.size())) {
    throw Error(ExitCode::action, fmt::format("Cannot write [{}]: {}",
                                              m_file->partial_path().string(), errno_text(errno)));
  }
  m_file->commit();
}

tl::expected<void, std::string> save_state(const std::string& path,
                                           const std::vector<StateRecord>& records) {
  try {
    StateWriter writer(path);
    for (const auto& record : records) {
      writer.add(record.path, record.print);
    }
    writer.commit();
    return {};
  } catch (const Error& error) {
    return tl::unexpected(std::string(error.what()));
  }
}

Fingerprint Fingerprint::of(const Entry& entry) {
  Fingerprint print;
  print.kind = entry.kind;
  print.size = entry.stat.size;
  print.mtime_ns = entry.stat.mtime_ns;
  print.ctime_ns = entry.stat.ctime_ns;
  print.inode = entry.stat.ino;
  print.mode = entry.stat.mode;
  return print;
}

} // namespace cback::collect
