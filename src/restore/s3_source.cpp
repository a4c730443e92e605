// A restore source on what the amazons3 extension uploaded: directories
// are the levels of the bucket below its prefix, listed when asked, and
// files are read by ranged GETs of exactly the bytes asked for, so that
// restoring one file of a framed archive fetches its index and the frames
// it needs, nothing else.
//
// The bucket is untrusted input, as a staging tree is: a key is used only
// when it lies below the level listed and its name there is one path
// component; an object is checked against the ETag its HEAD gave on every
// read (one changed while it is read is an error, not a mix of two
// versions); sizes come from HEAD and every GET must return exactly the
// range asked for (s3::Client::get_range).

#include <cback/restore/source.hpp>

#include <cback/core/beneath.hpp>
#include <cback/core/error.hpp>
#include <cback/core/field_escape.hpp>
#include <cback/core/log.hpp>
#include <cback/extend/amazons3.hpp>
#include <cback/s3/client.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>

namespace cback::restore {
namespace {

/// What the source and its open files share; files may outlive the source.
struct Bucket {
  Bucket(std::unique_ptr<s3::Client> c, s3::Location l, core::Logger& logger)
      : client(std::move(c)), location(std::move(l)), log(logger) {}
  std::unique_ptr<s3::Client> client;
  s3::Location location;
  core::Logger& log;
  std::atomic<std::uint64_t> bytes_read{0};
};

// The size of the staged file an object was uploaded from, when the
// extension recorded it ("SIZE:MTIME_NS").
std::optional<std::int64_t> staged_size(const s3::ObjectHead& head) {
  const auto found = head.metadata.find(std::string(extend::k_source_metadata));
  if (found == head.metadata.end()) {
    return std::nullopt;
  }
  const std::string& text = found->second;
  std::int64_t size = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), size);
  if (error != std::errc() || end == text.data() + text.size() || *end != ':') {
    return std::nullopt;
  }
  return size;
}

class S3File final : public SourceFile {
public:
  S3File(std::shared_ptr<Bucket> bucket, std::string key, s3::ObjectHead head)
      : m_bucket(std::move(bucket)), m_key(std::move(key)), m_head(std::move(head)) {}

  std::uint64_t size() const override { return static_cast<std::uint64_t>(m_head.size); }

  std::size_t read_at(std::uint64_t offset, std::span<std::byte> out) override {
    if (offset >= size()) {
      return 0;
    }
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size() - offset));
    const auto read =
        m_bucket->client->get_range(m_bucket->location.bucket, m_key, offset, out.first(want));
    if (!m_head.etag.empty() && read.etag != m_head.etag) {
      throw Error(ExitCode::action,
                  fmt::format("{} changed while it was read (ETag {} when opened, {} at byte {})",
                              m_bucket->location.url(m_key), m_head.etag, read.etag, offset));
    }
    m_bucket->bytes_read += read.bytes;
    return read.bytes;
  }

private:
  std::shared_ptr<Bucket> m_bucket;
  std::string m_key;
  s3::ObjectHead m_head;
};

class S3Source final : public Source {
public:
  explicit S3Source(std::shared_ptr<Bucket> bucket) : m_bucket(std::move(bucket)) {}

  std::string describe() const override {
    return "bucket " + m_bucket->location.url(m_bucket->location.prefix);
  }

  std::vector<SourceEntry> list(std::string_view dir) const override {
    const std::string level = level_prefix(dir);
    const auto listed = m_bucket->client->list_level(m_bucket->location.bucket, level);
    std::vector<SourceEntry> entries;
    for (const auto& object : listed.objects) {
      if (const auto name = name_below(level, object.key, "")) {
        entries.push_back({*name, SourceEntryKind::file, static_cast<std::uint64_t>(object.size)});
      }
    }
    for (const auto& prefix : listed.prefixes) {
      if (const auto name = name_below(level, prefix, "/")) {
        entries.push_back({*name, SourceEntryKind::directory, 0});
      }
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return entries;
  }

  std::unique_ptr<SourceFile> open(std::string_view path) const override {
    const std::string key = m_bucket->location.key(path);
    const auto& location = m_bucket->location;
    auto head = m_bucket->client->head_object(location.bucket, key);
    if (!head) {
      throw Error(ExitCode::action, fmt::format("Cannot read {}: no such object",
                                                core::escape_field(location.url(key))));
    }
    const auto staged = staged_size(*head);
    if (staged && *staged != head->size) {
      throw Error(ExitCode::action,
                  fmt::format("{} is encrypted ({} bytes stored for a staged file of {}): "
                              "cback-restore does not decrypt; copy the day from the bucket, "
                              "decrypt its files and restore from that directory (--from DIR).",
                              core::escape_field(location.url(key)), head->size, *staged));
    }
    return std::make_unique<S3File>(m_bucket, key, std::move(*head));
  }

  std::uint64_t bytes_read() const override { return m_bucket->bytes_read.load(); }

private:
  // The prefix of the level `dir` (relative to the source's root): "" or
  // ending in '/'.
  std::string level_prefix(std::string_view dir) const {
    std::string inner(dir);
    while (inner.ends_with('/')) {
      inner.pop_back();
    }
    const std::string prefix =
        inner.empty() ? m_bucket->location.prefix : m_bucket->location.key(inner);
    return prefix.empty() ? prefix : prefix + "/";
  }

  // The name `key` gives an entry of the level `level` (`tail` is what a
  // common prefix ends with); nothing, with a warning, when it gives none
  // that is safe. A folder marker (the level's own key, "PREFIX/") is
  // passed over silently.
  std::optional<std::string> name_below(const std::string& level, const std::string& key,
                                        std::string_view tail) const {
    if (key == level) {
      return std::nullopt;
    }
    std::string_view name = key;
    const bool below = name.starts_with(level) && name.ends_with(tail) &&
                       name.size() >= level.size() + tail.size();
    if (below) {
      name = name.substr(level.size(), name.size() - level.size() - tail.size());
    }
    if (!below || !core::is_plain_name(name)) {
      m_bucket->log.warning("Passing over {}: not a file or directory name below {}.",
                            core::escape_field(m_bucket->location.url(key)),
                            core::escape_field(m_bucket->location.url(level)));
      return std::nullopt;
    }
    return std::string(name);
  }

  std::shared_ptr<Bucket> m_bucket;
};

} // namespace

std::unique_ptr<Source> open_s3_source(std::unique_ptr<s3::Client> client, s3::Location location,
                                       core::Logger& log) {
  client->check_bucket(location.bucket);
  auto bucket = std::make_shared<Bucket>(std::move(client), std::move(location), log);
  return std::make_unique<S3Source>(std::move(bucket));
}

} // namespace cback::restore
