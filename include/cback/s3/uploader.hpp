#pragma once

// Streams objects into a bucket with several requests in flight and a fixed
// memory bound (docs/ARCHITECTURE.md, "S3"). The caller's thread reads each
// source once, in order, into a pool of parallel_parts buffers of
// part_size bytes; sending threads send them. A source that ends before
// part_size bytes goes as a single PUT, any other as a multipart upload of
// part_size parts (the last one shorter). Small objects share buffers: one
// that fits in what is left of the buffer the previous small object went
// to is read in behind it, so a buffer holds as many small objects as fit
// and several of them are in flight at once. A part takes a buffer of its
// own. Reading waits while every buffer is in use, so memory stays
// parallel_parts × part_size however many and however large the objects
// are; at most parallel_parts parts, and at most sending_threads()
// requests, are in flight.
//
// Every body carries its MD5 (Content-MD5) and its SHA-256 (signed), so the
// server refuses a damaged one. After an object is complete, HEAD must show
// the size read and the ETag computed from what was sent (the MD5, or for a
// multipart object the MD5 of the parts' MD5s and "-N"): only then does it
// count as uploaded. An upload that fails is left unfinished on the server
// for the next run to resume: parts it already holds whose size and MD5
// match what is read again are not sent again.

#include <cback/core/buffer_pool.hpp>
#include <cback/core/thread_pool.hpp>
#include <cback/s3/client.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace cback::core {
class Logger;
}

namespace cback::s3 {

struct UploadTuning {
  std::size_t part_size = std::size_t{8} << 20; ///< at least 5 MiB (S3's smallest part)
  unsigned parallel_parts = 4;                  ///< buffers in memory, parts in flight
  PutOptions put;                               ///< storage class and metadata of every object
};

/// One object to send.
struct ObjectSource {
  std::string key;
  std::string name; ///< what is read, for messages (a staged file's path)
  int fd = -1;      ///< read with read() until end of file; stays the caller's
  std::map<std::string, std::string> metadata; ///< added to the tuning's
  /// An unfinished multipart upload of this key to continue; empty for a new one.
  std::string resume_upload_id;
  /// Called once the source's end was read, before the object is
  /// completed; throws to fail it (an encrypt command that failed).
  std::function<void()> after_read;
};

struct UploadTotals {
  std::uint64_t objects = 0;
  std::uint64_t bytes_read = 0;   ///< bytes of every source
  std::uint64_t bytes_sent = 0;   ///< of them, bytes sent in this run
  std::uint64_t parts_reused = 0; ///< parts a resumed upload already held
};

class Uploader {
public:
  Uploader(Client& client, std::string bucket, UploadTuning tuning, core::Logger& log);
  /// The sending threads for `tuning`: up to that many small objects are
  /// in flight at once.
  static unsigned sending_threads(const UploadTuning& tuning);
  /// Waits for the requests in flight (their errors are dropped: call
  /// finish() to see them).
  ~Uploader();
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  /// Reads `source` to its end and hands its parts to the sending threads;
  /// returns before they are sent. Returns false without reading once a
  /// send has failed (finish() then throws).
  bool upload(ObjectSource source);

  /// Waits until every object is sent, completed and verified; throws the
  /// first error (cback::Error naming the object).
  UploadTotals finish();

  /// Called with the size of each body once the server has it (a single
  /// PUT or a part; a part a resumed upload already held counts too), from
  /// the sending threads, possibly at once: for progress lines. Set before
  /// the first upload().
  using SentCallback = std::function<void(std::uint64_t bytes)>;
  void on_sent(SentCallback callback) { m_on_sent = std::move(callback); }

private:
  struct Object;
  /// Bytes of a pool buffer that one body is read into: a whole buffer for
  /// a part, a stretch of a shared one for a small object. The buffer goes
  /// back to the pool when the last slice of it is sent.
  struct Slice {
    std::shared_ptr<core::Buffer> buffer;
    std::size_t offset = 0;
    std::size_t size = 0;
    [[nodiscard]] std::span<const std::byte> bytes() const {
      return {buffer->data() + offset, size};
    }
  };
  std::size_t fill(std::span<std::byte> space, const ObjectSource& source);
  std::optional<Slice> read_packed(const ObjectSource& source);
  Slice read_part(const ObjectSource& source);
  void post_part(const std::shared_ptr<Object>& object, int number, Slice slice);
  void post_single(const std::shared_ptr<Object>& object, Slice slice);
  void release(const std::shared_ptr<Object>& object);
  void complete(Object& object);
  void verify(const Object& object, const std::string& expected_etag);
  template <class Task>
  void post(Task task);

  Client& m_client;
  std::string m_bucket;
  UploadTuning m_tuning;
  core::Logger& m_log;
  core::BufferPool m_buffers;
  /// The buffer small objects are being packed into, and how much of it
  /// they fill (the reading thread's alone); before m_buffers goes.
  std::shared_ptr<core::Buffer> m_packing;
  std::size_t m_packed = 0;
  SentCallback m_on_sent;
  std::atomic<bool> m_failed{false};
  std::atomic<std::uint64_t> m_objects{0};
  std::atomic<std::uint64_t> m_bytes_read{0};
  std::atomic<std::uint64_t> m_bytes_sent{0};
  std::atomic<std::uint64_t> m_parts_reused{0};
  core::ThreadPool m_senders; ///< last: its threads stop before the rest goes
};

} // namespace cback::s3
