#include <cback/s3/uploader.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/s3/checksums.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <unistd.h>

namespace cback::s3 {
namespace {

// S3 numbers parts 1..10000.
constexpr int k_max_parts = 10000;

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

Uploader::Uploader(Client& client, std::string bucket, UploadTuning tuning, core::Logger& log)
    : m_client(client), m_bucket(std::move(bucket)), m_tuning(std::move(tuning)), m_log(log),
      m_buffers(std::max(1U, m_tuning.parallel_parts), m_tuning.part_size),
      m_senders(std::max(1U, m_tuning.parallel_parts)) {
  m_log.debug("Sending to s3://{}: parts of {} bytes, {} in flight.", m_bucket, m_tuning.part_size,
              std::max(1U, m_tuning.parallel_parts));
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

// Fills `buffer` from the source up to part_size bytes; false at its end
// (nothing read).
bool Uploader::fill(core::Buffer& buffer, const ObjectSource& source) {
  std::size_t filled = 0;
  auto space = buffer.space().first(m_tuning.part_size);
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
  buffer.resize(filled);
  m_bytes_read += filled;
  return filled > 0;
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

  auto first = m_buffers.acquire();
  fill(*first, source);
  object->size = first->size();
  if (first->size() < m_tuning.part_size) {
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
    auto buffer = m_buffers.acquire();
    if (!fill(*buffer, source)) {
      break;
    }
    if (++number > k_max_parts) {
      throw Error(ExitCode::action,
                  fmt::format("[{}] needs more than {} parts of {} bytes: raise part_size.",
                              source.name, k_max_parts, m_tuning.part_size));
    }
    object->size += buffer->size();
    const bool last = buffer->size() < m_tuning.part_size;
    post_part(object, number, std::move(*buffer));
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

void Uploader::post_single(const std::shared_ptr<Object>& object, core::Buffer buffer) {
  post([this, object, buffer = std::make_shared<core::Buffer>(std::move(buffer))] {
    const auto body = buffer->bytes();
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
    buffer->release();
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

void Uploader::post_part(const std::shared_ptr<Object>& object, int number, core::Buffer buffer) {
  ++object->holds;
  post([this, object, number, buffer = std::make_shared<core::Buffer>(std::move(buffer))] {
    const auto body = buffer->bytes();
    const Md5Digest digest = md5(body);
    const std::string expected = single_etag(digest);
    const auto held = object->held.find(number);
    std::string etag;
    if (held != object->held.end() && held->second.etag == expected &&
        held->second.size == static_cast<std::int64_t>(body.size())) {
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
      m_bytes_sent += body.size();
    }
    if (m_on_sent) {
      m_on_sent(body.size());
    }
    buffer->release();
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
  m_senders.wait();
  return {m_objects, m_bytes_read, m_bytes_sent, m_parts_reused};
}

} // namespace cback::s3
