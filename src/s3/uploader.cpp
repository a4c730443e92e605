#include <cback/s3/uploader.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/s3/checksums.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace cback::s3 {
namespace {

// S3 numbers parts 1..10000.
constexpr int k_max_parts = 10000;

// Sending threads per buffer. A part fills a buffer, so parallel_parts of
// them are in flight whatever the threads; small objects share buffers,
// and then what bounds the requests in flight is the threads. Each small
// PUT waits most of its time on the server, so more of them in flight
// keep it busy: several a buffer, with a ceiling on the connections one
// upload opens.
constexpr unsigned k_threads_per_buffer = 4;
constexpr unsigned k_max_threads = 64;

// Where a small object starts in a shared buffer: a cache line apart, so
// no two sending threads read one line.
constexpr std::size_t k_slice_alignment = 64;

std::size_t aligned(std::size_t offset) {
  return (offset + k_slice_alignment - 1) / k_slice_alignment * k_slice_alignment;
}

} // namespace

// An object being sent. The reading thread holds one reference count
// (`holds`) until it has read the end; each part in flight holds one more.
// Whoever drops the last completes the object.
struct Uploader::Object {
  std::string key;
  std::string name;
  PutOptions put;
  std::string upload_id;         ///< empty for a single PUT
  std::map<int, PartEntry> held; ///< parts a resumed upload already holds
  std::mutex mutex;
  std::vector<Md5Digest> digests; ///< per part, index number - 1
  std::vector<std::string> etags;
  std::uint64_t size = 0;
  std::atomic<int> holds{1};
};

unsigned Uploader::sending_threads(const UploadTuning& tuning) {
  return std::clamp(tuning.parallel_parts * k_threads_per_buffer, 1U,
                    std::max(k_max_threads, tuning.parallel_parts));
}

Uploader::Uploader(Client& client, std::string bucket, UploadTuning tuning, core::Logger& log)
    : m_client(client), m_bucket(std::move(bucket)), m_tuning(std::move(tuning)), m_log(log),
      m_buffers(std::max(1U, m_tuning.parallel_parts), m_tuning.part_size),
      m_senders(sending_threads(m_tuning)) {
  m_log.debug("Sending to s3://{}: parts of {} bytes, {} in flight; up to {} requests in flight.",
              m_bucket, m_tuning.part_size, std::max(1U, m_tuning.parallel_parts),
              sending_threads(m_tuning));
}

Uploader::~Uploader() {
  try {
    m_senders.wait();
  } catch (...) { // NOLINT(bugprone-empty-catch): finish() reports errors; here it is too late
  }
}

template <class Task>
void Uploader::post(Task task) {
  m_senders.post([this, task = std::move(task)]() mutable {
    if (m_failed) {
      return; // the run fails anyway: do not send more
    }
    try {
      task();
    } catch (...) {
      m_failed = true;
      throw;
    }
  });
}

// Fills `space` from the source; returns how much it read, less than the
// space only at the source's end.
std::size_t Uploader::fill(std::span<std::byte> space, const ObjectSource& source) {
  std::size_t filled = 0;
  while (filled < space.size()) {
    const ssize_t got = ::read(source.fd, space.data() + filled, space.size() - filled);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw Error(ExitCode::action, fmt::format("Cannot read [{}] to upload it: {}", source.name,
                                                std::strerror(errno)));
    }
    if (got == 0) {
      break;
    }
    filled += static_cast<std::size_t>(got);
  }
  m_bytes_read += filled;
  return filled;
}

// Reads a regular file that fits in what is left of the buffer being
// packed in behind the objects already there. None, with nothing read,
// when there is no such buffer, the source is not a regular file (a pipe
// from an encrypt command: its size is known only at its end) or it does
// not fit.
std::optional<Uploader::Slice> Uploader::read_packed(const ObjectSource& source) {
  if (!m_packing) {
    return std::nullopt;
  }
  const std::size_t room = m_tuning.part_size - m_packed;
  struct stat status {};
  if (::fstat(source.fd, &status) != 0 || !S_ISREG(status.st_mode) ||
      static_cast<std::uint64_t>(status.st_size) >= room) {
    return std::nullopt;
  }
  const off_t start = ::lseek(source.fd, 0, SEEK_CUR);
  if (start < 0) {
    return std::nullopt;
  }
  const std::size_t got = fill({m_packing->data() + m_packed, room}, source);
  if (got == room) {
    // It grew while being read and may not fit: it is read again from
    // where it started, into a buffer of its own.
    m_bytes_read -= got;
    if (::lseek(source.fd, start, SEEK_SET) != start) {
      throw Error(ExitCode::action, fmt::format("Cannot read [{}] to upload it: {}", source.name,
                                                std::strerror(errno)));
    }
    return std::nullopt;
  }
  Slice slice{m_packing, m_packed, got};
  m_packed = std::min(aligned(m_packed + got), m_tuning.part_size);
  return slice;
}

// Reads up to part_size bytes of the source into a buffer of its own,
// waiting while every buffer is in use.
Uploader::Slice Uploader::read_part(const ObjectSource& source) {
  auto buffer = std::make_shared<core::Buffer>(std::move(*m_buffers.acquire()));
  const std::size_t got = fill(buffer->space().first(m_tuning.part_size), source);
  return {std::move(buffer), 0, got};
}

bool Uploader::upload(ObjectSource source) {
  if (m_failed) {
    return false;
  }
  auto object = std::make_shared<Object>();
  object->key = source.key;
  object->name = source.name;
  object->put = m_tuning.put;
  object->put.metadata.insert(source.metadata.begin(), source.metadata.end());

  auto first = read_packed(source);
  if (!first) {
    // Dropped before waiting for a buffer: once its objects are sent, it
    // may be the one that comes free.
    m_packing.reset();
    first = read_part(source);
    if (first->size < m_tuning.part_size) {
      m_packing = first->buffer;
      m_packed = std::min(aligned(first->size), m_tuning.part_size);
    }
  }
  object->size = first->size;
  if (first->size < m_tuning.part_size) {
    if (source.after_read) {
      source.after_read();
    }
    if (!source.resume_upload_id.empty()) {
      // It fits one PUT now: the unfinished upload is of no use.
      m_client.abort_upload(m_bucket, source.key, source.resume_upload_id);
    }
    post_single(object, std::move(*first));
    ++m_objects;
    return true;
  }

  if (source.resume_upload_id.empty()) {
    object->upload_id = m_client.create_upload(m_bucket, source.key, object->put);
  } else {
    object->upload_id = source.resume_upload_id;
    for (auto& part : m_client.list_parts(m_bucket, source.key, object->upload_id)) {
      object->held.emplace(part.number, std::move(part));
    }
    m_log.debug("Resuming the upload of [{}]: the server holds {} part(s).", source.name,
                object->held.size());
  }
  int number = 1;
  post_part(object, number, std::move(*first));
  while (!m_failed) {
    auto slice = read_part(source);
    if (slice.size == 0) {
      break;
    }
    if (++number > k_max_parts) {
      throw Error(ExitCode::action,
                  fmt::format("[{}] needs more than {} parts of {} bytes: raise part_size.",
                              source.name, k_max_parts, m_tuning.part_size));
    }
    object->size += slice.size;
    const bool last = slice.size < m_tuning.part_size;
    post_part(object, number, std::move(slice));
    if (last) {
      break;
    }
  }
  if (m_failed) {
    return false;
  }
  if (source.after_read) {
    source.after_read();
  }
  ++m_objects;
  release(object);
  return true;
}

void Uploader::post_single(const std::shared_ptr<Object>& object, Slice slice) {
  post([this, object, slice = std::move(slice)]() mutable {
    const auto body = slice.bytes();
    const Md5Digest digest = md5(body);
    const std::string expected = single_etag(digest);
    const std::string etag = m_client.put_object(m_bucket, object->key, body, digest, object->put);
    if (!etag.empty() && etag != expected) {
      throw Error(ExitCode::action,
                  fmt::format("S3 stored [{}] as {} with ETag {}, but what was sent has MD5 {}.",
                              object->name, object->key, etag, expected));
    }
    m_bytes_sent += body.size();
    if (m_on_sent) {
      m_on_sent(body.size());
    }
    slice.buffer.reset();
    // The answer's ETag is the MD5 the server computed of what it stored,
    // which is what was sent: a HEAD would tell no more. Without one, ask.
    if (etag.empty()) {
      verify(*object, expected);
    } else {
      m_log.debug("Uploaded [{}] to s3://{}/{} ({} bytes, ETag {}).", object->name, m_bucket,
                  object->key, object->size, expected);
    }
  });
}

void Uploader::post_part(const std::shared_ptr<Object>& object, int number, Slice slice) {
  ++object->holds;
  post([this, object, number, slice = std::move(slice)]() mutable {
    const auto body = slice.bytes();
    const Md5Digest digest = md5(body);
    const std::string expected = single_etag(digest);
    const auto held = object->held.find(number);
    const auto size = body.size();
    std::string etag;
    if (held != object->held.end() && held->second.etag == expected &&
        held->second.size == static_cast<std::int64_t>(size)) {
      etag = expected;
      ++m_parts_reused;
    } else {
      etag = m_client.upload_part(m_bucket, object->key, object->upload_id, number, body, digest);
      if (!etag.empty() && etag != expected) {
        throw Error(
            ExitCode::action,
            fmt::format("S3 stored part {} of [{}] with ETag {}, but it was sent with MD5 {}.",
                        number, object->name, etag, expected));
      }
      m_bytes_sent += size;
    }
    slice.buffer.reset();
    if (m_on_sent) {
      m_on_sent(size);
    }
    {
      const std::lock_guard lock(object->mutex);
      const auto index = static_cast<std::size_t>(number - 1);
      if (object->digests.size() <= index) {
        object->digests.resize(index + 1);
        object->etags.resize(index + 1);
      }
      object->digests[index] = digest;
      object->etags[index] = expected;
    }
    release(object);
  });
}

void Uploader::release(const std::shared_ptr<Object>& object) {
  if (--object->holds == 0) {
    // On a sending thread, also when the reading thread drops the last hold.
    post([this, object] { complete(*object); });
  }
}

void Uploader::complete(Object& object) {
  m_client.complete_upload(m_bucket, object.key, object.upload_id, object.etags);
  verify(object, multipart_etag(object.digests));
}

void Uploader::verify(const Object& object, const std::string& expected_etag) {
  const auto head = m_client.head_object(m_bucket, object.key);
  if (!head) {
    throw Error(ExitCode::action,
                fmt::format("S3 object s3://{}/{} for [{}] is missing after its upload.", m_bucket,
                            object.key, object.name));
  }
  if (head->size != static_cast<std::int64_t>(object.size) || head->etag != expected_etag) {
    throw Error(ExitCode::action,
                fmt::format("S3 object s3://{}/{} for [{}] has {} bytes and ETag {} after its "
                            "upload; {} bytes with ETag {} were sent.",
                            m_bucket, object.key, object.name, head->size, head->etag, object.size,
                            expected_etag));
  }
  m_log.debug("Uploaded [{}] to s3://{}/{} ({} bytes, ETag {}).", object.name, m_bucket, object.key,
              object.size, expected_etag);
}

UploadTotals Uploader::finish() {
  m_packing.reset();
  m_senders.wait();
  return {m_objects, m_bytes_read, m_bytes_sent, m_parts_reused};
}

} // namespace cback::s3
